// Feature extraction for many files with the kernels on a device: the same outcomes and
// shards as asc::features::runBatch (the CPU batch), computed by a SlotExecutor.
//
// Threads: `options.threads` workers on a pool. Each worker takes the next file, reads,
// hashes and decodes it (the CPU batch's loadClip), then copies its samples into the slot
// being filled (the executor's pinned host memory). A full slot is sealed and launched by
// the worker that finishes its last copy; while the device computes it, workers fill the
// next slot; when a slot's results are back, workers write its clips' shards (preferring
// that to decoding, which frees slots sooner). With three slots, decoding, host-to-device
// copies, compute, device-to-host copies and shard writing all overlap, and the memory in
// use is the executor's fixed slots whatever the number of files.
//
// A clip that does not fit an empty slot is computed on the worker's CPU (outcome device
// "cpu"). A failed launch fails its clips (error code "cuda"), stops taking new files and
// makes runDeviceBatch throw CudaError once every started file is settled.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "cuda/features/executor.h"
#include "features/batch.h"

namespace asc::cuda::features {

enum class ExecutorKind { kCuda, kEmulated };

struct DeviceBatchOptions {
  ExecutorKind executor = ExecutorKind::kCuda;
  int device = 0;
  std::uint64_t memoryBytes = 2ull << 30;
  FftChoice fft = FftChoice::kAuto;
};

// What ran, for the caller's report.
struct DeviceBatchInfo {
  std::string device;       // "cuda" or "emulated"
  std::string description;  // SlotExecutor::description()
  std::string fft;          // "cufft" or "builtin"
  std::uint64_t deviceBytes = 0;
  std::size_t cpuFallbacks = 0;  // clips too long for a slot, computed on the CPU
  std::size_t launches = 0;
};

// Throws CudaUnavailable before touching any file when the executor cannot be made, and
// CudaError after a failed launch (see above). `onOutcome` as in runBatch.
DeviceBatchInfo runDeviceBatch(const std::vector<std::string>& paths,
                               const asc::features::BatchOptions& options,
                               const DeviceBatchOptions& device, const std::atomic<bool>& cancel,
                               const std::function<void(asc::features::ClipOutcome&&)>& onOutcome);

// Makes the executor runDeviceBatch would use (for benchmarks and tests).
std::unique_ptr<SlotExecutor> makeExecutor(const asc::features::ScalogramConfig& config,
                                           asc::features::ShardDtype dtype,
                                           const DeviceBatchOptions& device);

}  // namespace asc::cuda::features
