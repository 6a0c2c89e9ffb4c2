// The GPU executor: fixed device and pinned buffers per slot, one stream per slot, and a
// completion thread (SerialWorker) that waits for each launched slot's last copy and
// reports it.
#include <cuda_runtime.h>

#include <chrono>
#include <cstring>
#include <random>
#include <type_traits>

#include "cuda/common/check.h"
#include "cuda/common/cufft.h"
#include "cuda/common/memory.h"
#include "cuda/common/runtime.h"
#include "cuda/features/executor.h"
#include "cuda/features/kernels.h"
#include "cuda/features/serial_worker.h"
#include "cuda/features/tables.h"

namespace asc::cuda::features {

namespace {

using asc::features::ShardDtype;

// Device memory cuFFT and the CUDA context take outside our buffers; kept free on top of
// the budget when the budget is checked against the free memory.
constexpr std::uint64_t kSlackBytes = 64ull << 20;

// The FFT to use and a sentence saying why.
FftKind chooseFft(FftChoice choice, std::string& why) {
  if (choice == FftChoice::kBuiltin) {
    why = "built-in FFT (asked for)";
    return FftKind::kBuiltin;
  }
  std::string error;
  const CufftLibrary* lib = CufftLibrary::get(&error);
  if (lib) {
    why = "cuFFT " + lib->versionString() + " (" + lib->path() + ")";
    return FftKind::kCufft;
  }
  if (choice == FftChoice::kCufft)
    throw CudaUnavailable(Unusable::kError, "cuFFT was asked for but " + error);
  why = "built-in FFT (cuFFT not found: " + error + ")";
  return FftKind::kBuiltin;
}

class CudaExecutor : public SlotExecutor {
 public:
  explicit CudaExecutor(const ExecutorSetup& setup)
      : fftKind_(chooseFft(setup.fft, fftWhy_)),
        tables_(makeHostTables(setup, fftKind_)),
        info_(requireDevice(setup.device, setup.memoryBytes + kSlackBytes)),
        dtype_(setup.dtype),
        config_(setup.config) {
    try {
      std::uint64_t workPerFrame = 0;
      if (fftKind_ == FftKind::kCufft) {
        CufftPlanR2C probe(*CufftLibrary::get(), setup.config.nFft,
                           static_cast<int>(kMaxFftChunkFrames));
        workPerFrame = (probe.workBytes() + kMaxFftChunkFrames - 1) / kMaxFftChunkFrames;
      }
      plan_ = planFor(setup, tables_, tableBytes(tables_), workPerFrame);
      upload();
      slots_.reserve(plan_.slots);
      for (int i = 0; i < plan_.slots; ++i)
        slots_.push_back(std::make_unique<Slot>(plan_, tables_, dtype_, setup.config));
    } catch (const CudaError& e) {
      if (e.error() == cudaErrorMemoryAllocation) {
        throw CudaUnavailable(Unusable::kOutOfMemory,
                              "out of memory while allocating the feature pipeline's " +
                                  std::to_string(plan_.deviceBytes() >> 20) + " MiB on " +
                                  info_.name + ": " + e.what());
      }
      throw;
    }
  }

  const SlotPlan& plan() const override { return plan_; }
  float* input(int slot) override { return slots_[slot]->hostInput.get(); }
  const void* output(int slot) const override { return slots_[slot]->hostOutput.get(); }
  ShardDtype outputDtype() const override { return dtype_; }
  FftKind fft() const override { return fftKind_; }
  const char* deviceName() const override { return "cuda"; }
  std::string description() const override {
    return "CUDA device " + std::to_string(info_.index) + " (" + info_.name +
           ", compute capability " + std::to_string(info_.major) + "." +
           std::to_string(info_.minor) + "), " + fftWhy_ + ", " + std::to_string(plan_.slots) +
           " slots of " + std::to_string(plan_.clipsPerSlot) + " clips, " +
           std::to_string(plan_.deviceBytes() >> 20) + " MiB of device memory";
  }

  void launch(int slot, const SlotLayout& layout, Done done) override {
    ASC_CUDA_CHECK(cudaSetDevice(info_.index));
    Slot& sl = *slots_[slot];
    enqueue(sl, layout, true);
    sl.done.record(sl.stream.get());
    completion_.push({slot, std::move(done)});
  }

  // Seconds per clip of the kernels alone on a slot of copies of one synthetic clip.
  double timeCompute(std::size_t samples, int channels, std::size_t clips) {
    ASC_CUDA_CHECK(cudaSetDevice(info_.index));
    Slot& sl = *slots_[0];
    SlotLayout layout;
    const ClipNeeds needs = clipNeeds(samples, channels, config(), tables_.params.bands);
    while (layout.add(needs, plan_.capacity) >= 0) {
    }
    if (layout.empty())
      throw CudaUnavailable(Unusable::kOutOfMemory, "one clip does not fit a slot of the budget");
    // Noise, different in every channel, so no two clips' work is identical.
    std::mt19937 random(12345);
    std::uniform_real_distribution<float> uniform(-0.5f, 0.5f);
    for (std::size_t i = 0; i < layout.samples(); ++i) sl.hostInput.get()[i] = uniform(random);
    enqueue(sl, layout, true);
    ASC_CUDA_CHECK(cudaStreamSynchronize(sl.stream.get()));
    const std::size_t perLaunch = layout.clips().size();
    const std::size_t launches = std::max<std::size_t>(3, (clips + perLaunch - 1) / perLaunch);
    Event start(Event::kTiming);
    Event stop(Event::kTiming);
    start.record(sl.stream.get());
    for (std::size_t i = 0; i < launches; ++i) enqueue(sl, layout, false);
    stop.record(sl.stream.get());
    stop.synchronize();
    return stop.millisecondsSince(start) / 1000.0 / static_cast<double>(launches * perLaunch);
  }

 private:
  struct Slot {
    Slot(const SlotPlan& plan, const HostTables& tables, ShardDtype dtype,
         const ScalogramConfig& config)
        : hostInput(plan.capacity.samples),
          hostOutput(plan.capacity.items * 2 * (dtype == ShardDtype::kFloat16 ? 2 : 4)),
          hostChannels(plan.capacity.channels),
          hostClips(plan.capacity.clips),
          samples(plan.capacity.samples),
          values(plan.capacity.frames * tables.params.bands),
          output(hostOutput.size()),
          peaks(plan.capacity.channels),
          channels(plan.capacity.channels),
          clips(plan.capacity.clips) {
      if (tables.fftKind == FftKind::kCufft) {
        frames = DeviceBuffer<float>(plan.fftChunkFrames * config.nFft);
        spectra = DeviceBuffer<Cf>(plan.fftChunkFrames * tables.params.bins);
        fftPlan = std::make_unique<CufftPlanR2C>(*CufftLibrary::get(), config.nFft,
                                                 static_cast<int>(plan.fftChunkFrames));
        fftWork = DeviceBuffer<unsigned char>(fftPlan->workBytes());
        fftPlan->setWorkArea(fftWork.get());
      }
    }
    Stream stream;
    Event done{Event::kWait};
    PinnedBuffer<float> hostInput;
    PinnedBuffer<unsigned char> hostOutput;
    PinnedBuffer<StagedChannel> hostChannels;
    PinnedBuffer<StagedClip> hostClips;
    DeviceBuffer<float> samples;
    DeviceBuffer<float> values;
    DeviceBuffer<unsigned char> output;
    DeviceBuffer<std::uint32_t> peaks;
    DeviceBuffer<StagedChannel> channels;
    DeviceBuffer<StagedClip> clips;
    DeviceBuffer<float> frames;
    DeviceBuffer<Cf> spectra;
    DeviceBuffer<unsigned char> fftWork;  // before fftPlan: destroyed after it
    std::unique_ptr<CufftPlanR2C> fftPlan;
  };

  struct Pending {
    int slot;
    Done done;
  };

  const ScalogramConfig& config() const { return config_; }

  void upload() {
    auto put = [](auto& buffer, const auto& host) {
      using T = typename std::decay_t<decltype(host)>::value_type;
      buffer = DeviceBuffer<T>(host.size());
      ASC_CUDA_CHECK(
          cudaMemcpy(buffer.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    };
    put(window_, tables_.window);
    std::vector<Cf> twiddles(tables_.fft.w32);
    twiddles.insert(twiddles.end(), tables_.fft.w1024.begin(), tables_.fft.w1024.end());
    twiddles.insert(twiddles.end(), tables_.fft.w2048.begin(), tables_.fft.w2048.end());
    put(twiddles_, twiddles);
    put(chunks_, tables_.bank.chunks);
    put(bandChunks_, tables_.bank.bandChunks);
    put(weights_, tables_.bank.weights);
    const Cf* w32 = twiddles_.get();
    const Cf* w1024 = w32 + tables_.fft.w32.size();
    const Cf* w2048 = w1024 + tables_.fft.w1024.size();
    k_ = constArgs(tables_.params, window_.get(), w32, w1024, w2048, chunks_.get(),
                   bandChunks_.get(), weights_.get(), static_cast<int>(tables_.bank.chunks.size()),
                   tables_.bank.bands);
  }

  // Descriptors and (with copies) samples in, kernels, and (with copies) results out.
  void enqueue(Slot& sl, const SlotLayout& layout, bool copies) {
    const cudaStream_t stream = sl.stream.get();
    const std::size_t channelCount = layout.channels().size();
    const std::size_t clipCount = layout.clips().size();
    if (copies) {
      std::memcpy(sl.hostChannels.get(), layout.channels().data(),
                  channelCount * sizeof(StagedChannel));
      std::memcpy(sl.hostClips.get(), layout.clips().data(), clipCount * sizeof(StagedClip));
      ASC_CUDA_CHECK(cudaMemcpyAsync(sl.channels.get(), sl.hostChannels.get(),
                                     channelCount * sizeof(StagedChannel), cudaMemcpyHostToDevice,
                                     stream));
      ASC_CUDA_CHECK(cudaMemcpyAsync(sl.clips.get(), sl.hostClips.get(),
                                     clipCount * sizeof(StagedClip), cudaMemcpyHostToDevice,
                                     stream));
      ASC_CUDA_CHECK(cudaMemcpyAsync(sl.samples.get(), sl.hostInput.get(),
                                     layout.samples() * sizeof(float), cudaMemcpyHostToDevice,
                                     stream));
    }
    ASC_CUDA_CHECK(
        cudaMemsetAsync(sl.peaks.get(), 0, channelCount * sizeof(std::uint32_t), stream));
    SlotArgs s;
    s.samples = sl.samples.get();
    s.channels = sl.channels.get();
    s.channelCount = static_cast<int>(channelCount);
    s.clips = sl.clips.get();
    s.clipCount = static_cast<int>(clipCount);
    s.frames = static_cast<std::uint32_t>(layout.frames());
    s.items = static_cast<std::uint32_t>(layout.items());
    s.values = sl.values.get();
    s.peaks = sl.peaks.get();
    if (fftKind_ == FftKind::kBuiltin) {
      launchBuiltinSpectra(k_, s, tables_.sharedBytes, stream);
    } else {
      const auto chunk = static_cast<std::uint32_t>(plan_.fftChunkFrames);
      for (std::uint32_t first = 0; first < s.frames; first += chunk) {
        const std::uint32_t count = std::min(chunk, s.frames - first);
        launchFraming(k_, s, first, count, sl.frames.get(), stream);
        // The plan transforms a whole chunk; rows past `count` are stale and unused.
        sl.fftPlan->exec(stream, sl.frames.get(), reinterpret_cast<float2*>(sl.spectra.get()));
        launchCufftSpectra(k_, s, first, count, sl.spectra.get(), tables_.sharedBytes, stream);
      }
    }
    launchFinal(k_, s, sl.output.get(), dtype_ == ShardDtype::kFloat16, stream);
    if (copies) {
      const std::size_t outBytes = layout.items() * 2 * (dtype_ == ShardDtype::kFloat16 ? 2 : 4);
      ASC_CUDA_CHECK(cudaMemcpyAsync(sl.hostOutput.get(), sl.output.get(), outBytes,
                                     cudaMemcpyDeviceToHost, stream));
    }
  }

  // Waits for a launched slot's last copy and reports it (an error of a kernel or a copy
  // surfaces here, at the event).
  void complete(Pending& p) {
    std::string error;
    cudaError_t e = cudaSetDevice(info_.index);
    if (e == cudaSuccess) e = cudaEventSynchronize(slots_[p.slot]->done.get());
    if (e != cudaSuccess) {
      error = std::string("CUDA error ") + std::to_string(static_cast<int>(e)) + " " +
              cudaGetErrorName(e) + " (" + cudaGetErrorString(e) +
              ") in the feature kernels or copies";
    }
    p.done(error);
  }

  std::string fftWhy_;
  FftKind fftKind_;
  HostTables tables_;
  DeviceInfo info_;
  ShardDtype dtype_;
  ScalogramConfig config_;
  SlotPlan plan_;
  DeviceBuffer<float> window_;
  DeviceBuffer<Cf> twiddles_;
  DeviceBuffer<BankChunk> chunks_;
  DeviceBuffer<std::uint32_t> bandChunks_;
  DeviceBuffer<float> weights_;
  ConstArgs k_{};
  std::vector<std::unique_ptr<Slot>> slots_;

  SerialWorker<Pending> completion_{[this](Pending& p) { complete(p); }};  // last: destroyed first
};

}  // namespace

std::unique_ptr<SlotExecutor> makeCudaExecutor(const ExecutorSetup& setup) {
  return std::make_unique<CudaExecutor>(setup);
}

ComputeTiming timeCudaCompute(const ExecutorSetup& setup, std::size_t samples, int channels,
                              std::size_t clips) {
  CudaExecutor executor(setup);
  ComputeTiming timing;
  timing.secondsPerClip = executor.timeCompute(samples, channels, clips);
  timing.description = executor.description();
  timing.fft = executor.fft();
  return timing;
}

}  // namespace asc::cuda::features
