// Device memory for tensors, pooled: blocks freed by the backend go to free lists keyed
// by their (rounded) size and are handed out again, because a training step allocates
// and frees the same sizes every step and a cudaMalloc / cudaFree pair costs far more
// than the kernels of a small layer. Plain C++: the raw allocator is CUDA's (cudaMalloc)
// on a GPU and host memory on the emulated device, and the accounting is the same.
//
// Stream order makes reuse safe without waiting: every kernel and copy runs on the
// device's one stream, so work enqueued after a block is given back runs after the work
// that used it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace asc::cuda::train {

// The device has no memory left for a buffer or a kernel's scratch space.
class DeviceMemoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RawAllocator {
 public:
  virtual ~RawAllocator() = default;
  // `bytes` of memory, or nullptr when there is none left (never throws for that).
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void release(void* p) = 0;
};

struct PoolStats {
  std::uint64_t inUseBytes = 0;   // in blocks handed out
  std::uint64_t pooledBytes = 0;  // in free lists
  std::uint64_t peakBytes = 0;    // most inUse + pooled held at once
  std::uint64_t blocksInUse = 0;
  std::uint64_t freshAllocations = 0;
  std::uint64_t reuses = 0;
  std::uint64_t trims = 0;  // times the free lists were emptied to satisfy an allocation
};

class BlockPool {
 public:
  explicit BlockPool(RawAllocator& raw) : raw_(raw) {}
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
  ~BlockPool();

  // Sizes are rounded up to this many bytes (alignment of every block, too).
  static constexpr std::size_t kGranule = 256;
  static std::size_t rounded(std::size_t bytes);

  // A block of at least `bytes` (uninitialised); nullptr when the raw allocator has no
  // memory left even after the free lists were returned to it.
  void* take(std::size_t bytes);
  // Gives back a block from take().
  void give(void* p);
  // Returns every free block to the raw allocator.
  void trim();

  const PoolStats& stats() const { return stats_; }

 private:
  RawAllocator& raw_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::unordered_map<void*, std::size_t> sizes_;  // blocks handed out -> rounded size
  PoolStats stats_;
};

// A pool block for the duration of a scope (scratch space of a multi-pass kernel);
// throws DeviceMemoryError when there is none.
class ScopedBlock {
 public:
  ScopedBlock(BlockPool& pool, std::size_t bytes);
  ScopedBlock(const ScopedBlock&) = delete;
  ScopedBlock& operator=(const ScopedBlock&) = delete;
  ~ScopedBlock();
  template <typename T>
  T* as() const {
    return static_cast<T*>(p_);
  }

 private:
  BlockPool& pool_;
  void* p_;
};

}  // namespace asc::cuda::train
