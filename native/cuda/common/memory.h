// RAII owners of CUDA resources (CUDA builds only): device memory, pinned host memory,
// streams and events. Each owns one resource, moves but never copies, and releases it in
// its destructor without throwing (a release that fails at exit is not actionable).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "cuda/common/check.h"

namespace asc::cuda {

// Where a buffer lives: device memory, or page-locked host memory (copies to and from the
// device then run asynchronously at full bus speed).
struct DeviceMemory {
  static constexpr const char* kAllocate = "cudaMalloc";
  static cudaError_t allocate(void** p, std::size_t bytes) { return cudaMalloc(p, bytes); }
  static void release(void* p) { cudaFree(p); }
};
struct PinnedMemory {
  static constexpr const char* kAllocate = "cudaHostAlloc";
  static cudaError_t allocate(void** p, std::size_t bytes) {
    return cudaHostAlloc(p, bytes, cudaHostAllocDefault);
  }
  static void release(void* p) { cudaFreeHost(p); }
};

// `count` elements of T (uninitialised) in the memory of `Space`.
template <typename T, typename Space>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t count) : count_(count) {
    if (count == 0) return;
    const cudaError_t e = Space::allocate(reinterpret_cast<void**>(&data_), count * sizeof(T));
    if (e != cudaSuccess) throwCudaError(e, Space::kAllocate, __FILE__, __LINE__);
  }
  Buffer(Buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { release(); }

  T* get() const { return data_; }
  std::size_t size() const { return count_; }
  std::size_t bytes() const { return count_ * sizeof(T); }

 private:
  void release() {
    if (data_) Space::release(data_);
    data_ = nullptr;
  }
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

template <typename T>
using DeviceBuffer = Buffer<T, DeviceMemory>;
template <typename T>
using PinnedBuffer = Buffer<T, PinnedMemory>;

// A non-blocking stream (it does not synchronise with the legacy default stream).
class Stream {
 public:
  Stream() { ASC_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  Stream(Stream&& o) noexcept : stream_(std::exchange(o.stream_, nullptr)) {}
  Stream& operator=(Stream&&) = delete;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    if (stream_) cudaStreamDestroy(stream_);
  }
  cudaStream_t get() const { return stream_; }
  void synchronize() const { ASC_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  cudaStream_t stream_ = nullptr;
};

// An event: kTiming for cudaEventElapsedTime, kWait for a host thread to sleep on
// (cudaEventBlockingSync: the waiting thread yields its core instead of spinning).
class Event {
 public:
  enum Kind : unsigned {
    kTiming = cudaEventDefault,
    kWait = cudaEventDisableTiming | cudaEventBlockingSync
  };
  explicit Event(Kind kind) { ASC_CUDA_CHECK(cudaEventCreateWithFlags(&event_, kind)); }
  Event(Event&& o) noexcept : event_(std::exchange(o.event_, nullptr)) {}
  Event& operator=(Event&&) = delete;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (event_) cudaEventDestroy(event_);
  }
  cudaEvent_t get() const { return event_; }
  void record(cudaStream_t stream) const { ASC_CUDA_CHECK(cudaEventRecord(event_, stream)); }
  void synchronize() const { ASC_CUDA_CHECK(cudaEventSynchronize(event_)); }
  // Milliseconds from `start` to this event (both recorded and complete).
  float millisecondsSince(const Event& start) const {
    float ms = 0;
    ASC_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
    return ms;
  }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace asc::cuda
