// The CUDA kernels' programs run on the host: every block of every launch, its threads one
// after another, each phase finishing for all threads before the next (what the device's
// barriers guarantee). FFTW stands in for cuFFT on the cuFFT path. Launches complete on a
// thread of their own, as the GPU executor's do, so the batch's scheduling is exercised
// as on a GPU. Used by the tests and to check the device arithmetic on machines without
// a GPU; far too slow for real work.
#include <fftw3.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "cuda/common/runtime.h"
#include "cuda/features/executor.h"
#include "cuda/features/programs.h"
#include "cuda/features/serial_worker.h"
#include "cuda/features/tables.h"
#include "features/scalogram.h"
#include "features/stft.h"

namespace asc::cuda::features {

namespace {

using asc::features::ShardDtype;

class HostBlock {
 public:
  explicit HostBlock(int threads) : regs_(threads) {}
  template <typename Phase>
  void run(Phase&& phase) {
    for (int t = 0; t < static_cast<int>(regs_.size()); ++t) phase(t);
  }
  LaneRegisters& regs(int t) { return regs_[t]; }

 private:
  std::vector<LaneRegisters> regs_;
};

// Batched real-to-complex transforms with FFTW, in place of cuFFT.
void realFfts(int nFft, int count, float* frames, Cf* spectra) {
  fftwf_plan plan;
  {
    std::lock_guard<std::mutex> lock(asc::features::fftwPlannerMutex());
    plan = fftwf_plan_many_dft_r2c(1, &nFft, count, frames, nullptr, 1, nFft,
                                   reinterpret_cast<fftwf_complex*>(spectra), nullptr, 1,
                                   nFft / 2 + 1, FFTW_ESTIMATE);
  }
  if (!plan) throw std::runtime_error("FFTW could not plan the emulated cuFFT transform");
  fftwf_execute(plan);
  std::lock_guard<std::mutex> lock(asc::features::fftwPlannerMutex());
  fftwf_destroy_plan(plan);
}

class EmulatedExecutor : public SlotExecutor {
 public:
  explicit EmulatedExecutor(const ExecutorSetup& setup)
      : tables_(makeHostTables(
            setup, setup.fft == FftChoice::kCufft ? FftKind::kCufft : FftKind::kBuiltin)) {
    ExecutorSetup float32 = setup;
    float32.dtype = ShardDtype::kFloat32;  // the emulation writes float32; shards convert
    plan_ = planFor(float32, tables_, tableBytes(tables_), 0);
    const BankLayout& b = tables_.bank;
    k_ = constArgs(tables_.params, tables_.window.data(), tables_.fft.w32.data(),
                   tables_.fft.w1024.data(), tables_.fft.w2048.data(), b.chunks.data(),
                   b.bandChunks.data(), b.weights.data(), static_cast<int>(b.chunks.size()),
                   b.bands);
    slots_.resize(plan_.slots);
    for (Slot& s : slots_) {
      s.input.resize(plan_.capacity.samples);
      s.output.resize(plan_.capacity.items * 2);
      s.values.resize(plan_.capacity.frames * b.bands);
      s.peaks.resize(plan_.capacity.channels);
    }
  }

  const SlotPlan& plan() const override { return plan_; }
  float* input(int slot) override { return slots_[slot].input.data(); }
  const void* output(int slot) const override { return slots_[slot].output.data(); }
  ShardDtype outputDtype() const override { return ShardDtype::kFloat32; }
  FftKind fft() const override { return tables_.fftKind; }
  const char* deviceName() const override { return "emulated"; }
  std::string description() const override {
    return std::string("the CUDA kernels emulated on the host (") +
           (tables_.fftKind == FftKind::kCufft ? "cuFFT path, FFTW in place of cuFFT"
                                               : "built-in FFT") +
           ", " + std::to_string(plan_.slots) + " slots of " + std::to_string(plan_.clipsPerSlot) +
           " clips)";
  }

  // Like the GPU executor: returns at once; the work and `done` happen on another thread
  // (here the "device" thread, which computes the launches one after another).
  void launch(int slot, const SlotLayout& layout, Done done) override {
    device_.push({slot, &layout, std::move(done)});
  }

 private:
  struct Launch {
    int slot;
    const SlotLayout* layout;
    Done done;
  };

  void run(Launch& l) {
    std::string error;
    try {
      compute(slots_[l.slot], *l.layout);
    } catch (const std::exception& e) {
      error = e.what();
    }
    l.done(error);
  }

  struct Slot {
    std::vector<float> input;
    std::vector<float> output;
    std::vector<float> values;
    std::vector<std::uint32_t> peaks;
  };

  void compute(Slot& slot, const SlotLayout& layout) {
    SlotArgs s;
    s.samples = slot.input.data();
    s.channels = layout.channels().data();
    s.channelCount = static_cast<int>(layout.channels().size());
    s.clips = layout.clips().data();
    s.clipCount = static_cast<int>(layout.clips().size());
    s.frames = static_cast<std::uint32_t>(layout.frames());
    s.items = static_cast<std::uint32_t>(layout.items());
    s.values = slot.values.data();
    s.peaks = slot.peaks.data();
    std::fill(slot.peaks.begin(), slot.peaks.end(), 0u);

    HostBlock blk(kBlockThreads);
    std::vector<float> partial(k_.bank.chunkCount * kFramesPerBlock, 0.0f);
    std::vector<float> red(kBlockThreads * kFramesPerBlock, 0.0f);
    if (tables_.fftKind == FftKind::kBuiltin) {
      std::vector<Cf> fft(kFramesPerBlock * kFftBufferEntries, Cf{0, 0});
      const BlockShared sh{reinterpret_cast<float*>(fft.data()), kBuiltinSpectrumStride,
                           partial.data(), red.data(), fft.data()};
      const unsigned blocks = (s.frames + kFramesPerBlock - 1) / kFramesPerBlock;
      for (unsigned b = 0; b < blocks; ++b) builtinSpectraBlock(blk, b, k_, s, sh);
    } else {
      const int nFft = k_.params.nFft;
      const int stride = cufftSpectrumStride(k_.params.bins);
      std::vector<float> spectraShared(kFramesPerBlock * stride, 0.0f);
      const BlockShared sh{spectraShared.data(), stride, partial.data(), red.data(), nullptr};
      const std::size_t chunk = plan_.fftChunkFrames;
      std::vector<float> frames(chunk * nFft);
      std::vector<Cf> spectra(chunk * k_.params.bins);
      for (std::uint32_t first = 0; first < s.frames; first += static_cast<std::uint32_t>(chunk)) {
        const std::uint32_t count =
            std::min<std::uint32_t>(static_cast<std::uint32_t>(chunk), s.frames - first);
        for (std::uint64_t item = 0; item < static_cast<std::uint64_t>(count) * nFft; ++item) {
          frames[item] = framedSample(item, first, k_, s);
        }
        realFfts(nFft, static_cast<int>(count), frames.data(), spectra.data());
        const unsigned blocks = (count + kFramesPerBlock - 1) / kFramesPerBlock;
        for (unsigned b = 0; b < blocks; ++b)
          cufftSpectraBlock(blk, b, first, count, spectra.data(), k_, s, sh);
      }
    }
    for (std::uint32_t item = 0; item < s.items; ++item) {
      finalValues(item, k_, s, slot.output[2 * item], slot.output[2 * item + 1]);
    }
  }

  HostTables tables_;
  SlotPlan plan_;
  ConstArgs k_;
  std::vector<Slot> slots_;
  SerialWorker<Launch> device_{[this](Launch& l) { run(l); }};  // last: destroyed first
};

}  // namespace

std::vector<float> emulatedFrameSpectrum(const std::vector<float>& samples, int frame,
                                         const ScalogramConfig& config, FftKind fft) {
  ExecutorSetup setup;
  setup.config = config;
  setup.bank = asc::features::sharedSparseBank(config.nFft, config.J, config.Q);
  const HostTables t = makeHostTables(setup, fft);
  const BankLayout& b = t.bank;
  const ConstArgs k = constArgs(t.params, t.window.data(), t.fft.w32.data(), t.fft.w1024.data(),
                                t.fft.w2048.data(), b.chunks.data(), b.bandChunks.data(),
                                b.weights.data(), static_cast<int>(b.chunks.size()), b.bands);
  SlotLayout layout;
  SlotCapacity unbounded;
  unbounded.samples = unbounded.frames = unbounded.items = unbounded.channels = unbounded.clips =
      ~std::size_t{0} >> 2;
  layout.add(clipNeeds(samples.size(), 1, config, b.bands), unbounded);
  const StagedChannel& channel = layout.channels()[0];
  if (frame < 0 || static_cast<std::uint32_t>(frame) >= channel.frames) {
    throw std::out_of_range("frame " + std::to_string(frame) + " of a signal with " +
                            std::to_string(channel.frames) + " frames");
  }
  std::vector<float> values(layout.frames() * b.bands);
  std::uint32_t peak = 0;
  SlotArgs s{samples.data(),
             layout.channels().data(),
             1,
             layout.clips().data(),
             1,
             static_cast<std::uint32_t>(layout.frames()),
             static_cast<std::uint32_t>(layout.items()),
             values.data(),
             &peak};
  HostBlock blk(kBlockThreads);
  std::vector<float> partial(b.chunks.size() * kFramesPerBlock, 0.0f);
  std::vector<float> red(kBlockThreads * kFramesPerBlock, 0.0f);
  const int bins = t.params.bins;
  if (fft == FftKind::kBuiltin) {
    std::vector<Cf> shared(kFramesPerBlock * kFftBufferEntries, Cf{0, 0});
    const BlockShared sh{reinterpret_cast<float*>(shared.data()), kBuiltinSpectrumStride,
                         partial.data(), red.data(), shared.data()};
    builtinSpectraBlock(blk, static_cast<unsigned>(frame / kFramesPerBlock), k, s, sh);
    const float* row = sh.spectra + (frame % kFramesPerBlock) * sh.spectrumStride;
    return std::vector<float>(row, row + bins);
  }
  const int stride = cufftSpectrumStride(bins);
  std::vector<float> shared(kFramesPerBlock * stride, 0.0f);
  const BlockShared sh{shared.data(), stride, partial.data(), red.data(), nullptr};
  std::vector<float> framed(t.params.nFft);
  for (int i = 0; i < t.params.nFft; ++i)
    framed[i] = framedSample(i, static_cast<std::uint32_t>(frame), k, s);
  std::vector<Cf> spectrum(bins);
  realFfts(t.params.nFft, 1, framed.data(), spectrum.data());
  cufftSpectraBlock(blk, 0, static_cast<std::uint32_t>(frame), 1, spectrum.data(), k, s, sh);
  return std::vector<float>(sh.spectra, sh.spectra + bins);
}

std::unique_ptr<SlotExecutor> makeEmulatedExecutor(const ExecutorSetup& setup) {
  return std::make_unique<EmulatedExecutor>(setup);
}

}  // namespace asc::cuda::features
