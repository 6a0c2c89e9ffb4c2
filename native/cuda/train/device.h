// The device of the tfjs backend 'asc-cuda': buffers (device memory from a BlockPool,
// named by small integer ids that the TS backend keeps per dataId), copies between host
// and device, kernel calls (kernels.h), timing events and counters. Two executors: the
// GPU (executor_cuda.cu: one stream, cuBLAS when it loads) and the emulated device
// (executor_host.cc: host memory, the same programs run as host loops), which lets the
// whole backend run and be tested on machines without a GPU. Plain C++.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/train/kernels.h"
#include "cuda/train/pool.h"

namespace asc::cuda::train {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual RawAllocator& allocator() = 0;
  // Enqueues a kernel call (scratch space from `pool`).
  virtual void run(BlockPool& pool, const KernelCall& call) = 0;
  // Host to device (the source may be reused when this returns).
  virtual void upload(void* dst, const void* src, std::size_t bytes) = 0;
  // Device to host, after all work enqueued before it.
  virtual void download(void* dst, const void* src, std::size_t bytes) = 0;
  // Device to device, in stream order.
  virtual void copy(void* dst, const void* src, std::size_t bytes) = 0;
  virtual void synchronize() = 0;
  // A timing mark in stream order; elapsed() waits for `end` and gives milliseconds.
  virtual int mark() = 0;
  virtual double elapsed(int start, int end) = 0;
  virtual void releaseMark(int mark) = 0;
  // "cuda" or "emulated".
  virtual const char* kind() const = 0;
  // A sentence: the device, and what does the matrix products.
  virtual std::string description() const = 0;
  // "cublas 13.0.0" or "builtin": what computes matrix products.
  virtual std::string gemm() const = 0;
};

struct DeviceOptions {
  int device = 0;
  // TF32 tensor-core math in cuBLAS products (float32 otherwise).
  bool tf32 = false;
  // Use cuBLAS when it loads (false: our own product kernel, as without cuBLAS).
  bool cublas = true;
};

// Host memory standing in for device memory; the programs run on the kernel thread pool.
std::unique_ptr<Executor> makeHostExecutor();
// The GPU; throws CudaUnavailable (cuda/common/runtime.h) when it cannot be used.
std::unique_ptr<Executor> makeCudaExecutor(const DeviceOptions& options);

struct DeviceCounters {
  std::uint64_t kernelCalls = 0;
  std::uint64_t uploads = 0;
  std::uint64_t uploadBytes = 0;
  std::uint64_t downloads = 0;
  std::uint64_t downloadBytes = 0;
};

class TrainDevice {
 public:
  explicit TrainDevice(std::unique_ptr<Executor> executor);
  TrainDevice(const TrainDevice&) = delete;
  TrainDevice& operator=(const TrainDevice&) = delete;
  ~TrainDevice();

  // A buffer of `bytes` (uninitialised); throws DeviceMemoryError.
  std::uint32_t allocate(std::size_t bytes);
  void release(std::uint32_t id);
  std::size_t bytes(std::uint32_t id) const;

  void upload(std::uint32_t id, const void* src, std::size_t bytes);
  void download(std::uint32_t id, void* dst, std::size_t bytes);
  void copy(std::uint32_t dst, std::uint32_t src, std::size_t bytes);
  // Buffer id 0 is "none" (an optional buffer left out).
  void run(DeviceKernel kernel, const std::vector<std::uint32_t>& ids,
           const std::vector<double>& params);
  void synchronize() { executor_->synchronize(); }

  int mark() { return executor_->mark(); }
  double elapsed(int start, int end) { return executor_->elapsed(start, end); }
  void releaseMark(int mark) { executor_->releaseMark(mark); }

  // Returns the pool's free blocks to the device.
  void trim() { pool_.trim(); }

  const PoolStats& memory() const { return pool_.stats(); }
  std::size_t buffers() const { return buffers_.size(); }
  const DeviceCounters& counters() const { return counters_; }
  const Executor& executor() const { return *executor_; }

 private:
  DeviceBuffer& find(std::uint32_t id);
  const DeviceBuffer& find(std::uint32_t id) const;

  std::unique_ptr<Executor> executor_;
  BlockPool pool_;
  std::unordered_map<std::uint32_t, DeviceBuffer> buffers_;
  std::uint32_t nextId_ = 1;
  DeviceCounters counters_;
};

}  // namespace asc::cuda::train
