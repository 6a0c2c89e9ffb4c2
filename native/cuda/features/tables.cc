#include "cuda/features/tables.h"

#include <algorithm>
#include <stdexcept>

#include "cuda/common/runtime.h"
#include "features/stft.h"

namespace asc::cuda::features {

// Shared memory a block may use on every target (7.5 and newer) without opting in.
constexpr std::size_t kSharedLimitBytes = 48 * 1024;

HostTables makeHostTables(const ExecutorSetup& setup, FftKind fft) {
  HostTables t;
  t.bank = planBank(*setup.bank);
  const std::string unsupported = unsupportedReason(setup.config, t.bank.bands);
  if (!unsupported.empty()) throw CudaUnavailable(Unusable::kUnsupported, unsupported);
  t.params = pipelineParams(setup.config, t.bank.bands);
  t.window = asc::features::periodicWindow(setup.config.windowSamples, setup.config.window);
  t.fft = makeFftTables();
  t.fftKind = fft;
  const int chunks = static_cast<int>(t.bank.chunks.size());
  t.sharedBytes = fft == FftKind::kBuiltin ? builtinSharedBytes(chunks)
                                           : cufftSharedBytes(chunks, t.params.bins);
  if (t.sharedBytes > kSharedLimitBytes) {
    throw CudaUnavailable(Unusable::kUnsupported,
                          "the filter bank has " + std::to_string(chunks) +
                              " chunks: a block would need " + std::to_string(t.sharedBytes) +
                              " bytes of shared memory, more than the 48 KiB the CUDA path uses");
  }
  return t;
}

ConstArgs constArgs(const PipelineParams& params, const float* window, const Cf* w32,
                    const Cf* w1024, const Cf* w2048, const BankChunk* chunks,
                    const std::uint32_t* bandChunks, const float* weights, int chunkCount,
                    int bands) {
  ConstArgs k;
  k.params = params;
  k.window = window;
  k.tables = FftTables{w32, w1024, w2048};
  k.bank = BankView{chunks, bandChunks, weights, chunkCount, bands};
  return k;
}

std::uint64_t tableBytes(const HostTables& t) {
  return t.window.size() * sizeof(float) +
         (t.fft.w32.size() + t.fft.w1024.size() + t.fft.w2048.size()) * sizeof(Cf) +
         t.bank.chunks.size() * sizeof(BankChunk) +
         t.bank.bandChunks.size() * sizeof(std::uint32_t) + t.bank.weights.size() * sizeof(float);
}

SlotPlan planFor(const ExecutorSetup& setup, const HostTables& tables,
                 std::uint64_t fixedDeviceBytes, std::uint64_t fftWorkBytesPerFrame) {
  const std::size_t typicalSamples =
      static_cast<std::size_t>(setup.typicalSeconds * setup.config.sampleRateHz);
  const ClipNeeds typical = clipNeeds(typicalSamples, 2, setup.config, tables.params.bands);
  const int outBytes = setup.dtype == asc::features::ShardDtype::kFloat16 ? 2 : 4;
  try {
    return planSlots(setup.memoryBytes, setup.slots, typical, tables.params.bands, outBytes,
                     tables.fftKind, setup.config.nFft, fixedDeviceBytes, fftWorkBytesPerFrame,
                     std::max<std::size_t>(1, static_cast<std::size_t>(kMaxClipsPerSlot * 10 /
                                                                       setup.typicalSeconds)));
  } catch (const std::length_error& e) {
    throw CudaUnavailable(Unusable::kOutOfMemory, std::string("out of memory: ") + e.what());
  }
}

}  // namespace asc::cuda::features
