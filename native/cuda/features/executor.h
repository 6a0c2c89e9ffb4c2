// What computes staged slots: the GPU (cuda_executor.cuda.cc) or the same kernels run on
// the host (emulated_executor.cc). The batch (device_batch.cc) stages decoded clips into
// an executor's host buffers, launches slots and writes the results back as shards; it
// does not know which executor it drives.
//
// Contract: input(slot) and output(slot) are host memory of plan().capacity.samples
// floats and plan().capacity.items * 2 values of outputDtype(), valid for the executor's
// life. launch() takes a slot whose input holds the staged samples, returns without
// waiting, and calls `done` exactly once (on any thread, possibly before launch returns)
// when output(slot) holds the results or the work failed (then with the error). A slot
// is not launched again before its `done`. launch() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuda/features/layout.h"
#include "features/config.h"
#include "features/shard.h"
#include "features/sparse_bank.h"

namespace asc::cuda::features {

enum class FftChoice { kAuto, kCufft, kBuiltin };

struct ExecutorSetup {
  ScalogramConfig config;
  std::shared_ptr<const SparseBank> bank;
  asc::features::ShardDtype dtype = asc::features::ShardDtype::kFloat32;
  int device = 0;                          // CUDA device index
  std::uint64_t memoryBytes = 2ull << 30;  // device memory budget, all slots and tables
  FftChoice fft = FftChoice::kAuto;        // auto: cuFFT when it loads, else built-in
  int slots = 3;
  double typicalSeconds = 10;  // slots are sized for whole clips of this length
};

class SlotExecutor {
 public:
  using Done = std::function<void(const std::string& error)>;
  virtual ~SlotExecutor() = default;

  virtual const SlotPlan& plan() const = 0;
  virtual float* input(int slot) = 0;
  virtual const void* output(int slot) const = 0;
  virtual asc::features::ShardDtype outputDtype() const = 0;
  virtual void launch(int slot, const SlotLayout& layout, Done done) = 0;

  virtual FftKind fft() const = 0;
  // e.g. "cuda" or "emulated"; what the manifest records as the entry's device.
  virtual const char* deviceName() const = 0;
  // A sentence for people: the device, the FFT and why, the memory plan.
  virtual std::string description() const = 0;
};

// The kernels run on the host, one simulated thread at a time: slow (tests, and checks of
// the device arithmetic on machines without a GPU), same arithmetic as the GPU.
std::unique_ptr<SlotExecutor> makeEmulatedExecutor(const ExecutorSetup& setup);

// The power spectrum (or, for 'log-magnitude', the dB spectrum) of one frame of a mono
// signal as the device programs compute it, run on the host: the built-in FFT path, or
// the cuFFT path with FFTW in place of cuFFT. For tests of the device arithmetic.
std::vector<float> emulatedFrameSpectrum(const std::vector<float>& samples, int frame,
                                         const ScalogramConfig& config, FftKind fft);

// The GPU. Throws asc::cuda::CudaUnavailable when the device cannot be used (not built
// with CUDA, no driver or device, too little memory, a config the kernels do not cover).
std::unique_ptr<SlotExecutor> makeCudaExecutor(const ExecutorSetup& setup);

// The device compute alone, clips already in device memory: seconds per clip of
// `samples` samples and `channels` channels, over about `clips` clips in full slots.
// Throws CudaUnavailable like makeCudaExecutor.
struct ComputeTiming {
  double secondsPerClip = 0;
  std::string description;  // of the executor that ran
  FftKind fft = FftKind::kBuiltin;
};
ComputeTiming timeCudaCompute(const ExecutorSetup& setup, std::size_t samples, int channels,
                              std::size_t clips);

}  // namespace asc::cuda::features
