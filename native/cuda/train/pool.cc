#include "cuda/train/pool.h"

#include <string>

namespace asc::cuda::train {

BlockPool::~BlockPool() {
  trim();
  for (auto& [p, size] : sizes_) raw_.release(p);
}

std::size_t BlockPool::rounded(std::size_t bytes) {
  const std::size_t b = bytes == 0 ? kGranule : bytes;
  return (b + kGranule - 1) / kGranule * kGranule;
}

void* BlockPool::take(std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  void* p = nullptr;
  auto list = free_.find(size);
  if (list != free_.end() && !list->second.empty()) {
    p = list->second.back();
    list->second.pop_back();
    stats_.pooledBytes -= size;
    stats_.reuses += 1;
  } else {
    p = raw_.allocate(size);
    if (!p && stats_.pooledBytes > 0) {
      // Blocks of other sizes are held: give them back and try once more.
      trim();
      stats_.trims += 1;
      p = raw_.allocate(size);
    }
    if (!p) return nullptr;
    stats_.freshAllocations += 1;
  }
  sizes_.emplace(p, size);
  stats_.inUseBytes += size;
  stats_.blocksInUse += 1;
  if (stats_.inUseBytes + stats_.pooledBytes > stats_.peakBytes)
    stats_.peakBytes = stats_.inUseBytes + stats_.pooledBytes;
  return p;
}

void BlockPool::give(void* p) {
  if (!p) return;
  auto it = sizes_.find(p);
  if (it == sizes_.end()) return;
  const std::size_t size = it->second;
  sizes_.erase(it);
  stats_.inUseBytes -= size;
  stats_.blocksInUse -= 1;
  free_[size].push_back(p);
  stats_.pooledBytes += size;
}

void BlockPool::trim() {
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) raw_.release(p);
  }
  free_.clear();
  stats_.pooledBytes = 0;
}

ScopedBlock::ScopedBlock(BlockPool& pool, std::size_t bytes) : pool_(pool), p_(pool.take(bytes)) {
  if (!p_) {
    throw DeviceMemoryError("out of device memory: no block of " + std::to_string(bytes) +
                            " bytes for a kernel's scratch space (" +
                            std::to_string(pool.stats().inUseBytes >> 20) + " MiB in use)");
  }
}

ScopedBlock::~ScopedBlock() { pool_.give(p_); }

}  // namespace asc::cuda::train
