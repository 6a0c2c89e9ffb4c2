#include "cuda/train/device.h"

#include <string>

namespace asc::cuda::train {

TrainDevice::TrainDevice(std::unique_ptr<Executor> executor)
    : executor_(std::move(executor)), pool_(executor_->allocator()) {}

TrainDevice::~TrainDevice() {
  // Work still queued may use the buffers: wait before the pool frees them.
  try {
    executor_->synchronize();
  } catch (...) {
  }
  for (auto& [id, b] : buffers_) pool_.give(b.data);
}

std::uint32_t TrainDevice::allocate(std::size_t bytes) {
  void* p = pool_.take(bytes);
  if (!p) {
    throw DeviceMemoryError("out of device memory: no block of " + std::to_string(bytes) +
                            " bytes (" + std::to_string(pool_.stats().inUseBytes >> 20) +
                            " MiB in use in " + std::to_string(buffers_.size()) + " tensors)");
  }
  const std::uint32_t id = nextId_++;
  if (nextId_ == 0) nextId_ = 1;
  buffers_.emplace(id, DeviceBuffer{p, bytes});
  return id;
}

void TrainDevice::release(std::uint32_t id) {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) return;
  pool_.give(it->second.data);
  buffers_.erase(it);
}

DeviceBuffer& TrainDevice::find(std::uint32_t id) {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw KernelArgumentError("no device buffer " + std::to_string(id));
  return it->second;
}

const DeviceBuffer& TrainDevice::find(std::uint32_t id) const {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw KernelArgumentError("no device buffer " + std::to_string(id));
  return it->second;
}

std::size_t TrainDevice::bytes(std::uint32_t id) const { return find(id).bytes; }

void TrainDevice::upload(std::uint32_t id, const void* src, std::size_t bytes) {
  const DeviceBuffer& b = find(id);
  if (bytes > b.bytes)
    throw KernelArgumentError("upload of " + std::to_string(bytes) + " bytes into a buffer of " +
                              std::to_string(b.bytes));
  executor_->upload(b.data, src, bytes);
  counters_.uploads += 1;
  counters_.uploadBytes += bytes;
}

void TrainDevice::download(std::uint32_t id, void* dst, std::size_t bytes) {
  const DeviceBuffer& b = find(id);
  if (bytes > b.bytes)
    throw KernelArgumentError("download of " + std::to_string(bytes) + " bytes from a buffer of " +
                              std::to_string(b.bytes));
  executor_->download(dst, b.data, bytes);
  counters_.downloads += 1;
  counters_.downloadBytes += bytes;
}

void TrainDevice::copy(std::uint32_t dst, std::uint32_t src, std::size_t bytes) {
  const DeviceBuffer& d = find(dst);
  const DeviceBuffer& s = find(src);
  if (bytes > d.bytes || bytes > s.bytes)
    throw KernelArgumentError("copy of " + std::to_string(bytes) + " bytes beyond a buffer");
  executor_->copy(d.data, s.data, bytes);
}

void TrainDevice::run(DeviceKernel kernel, const std::vector<std::uint32_t>& ids,
                      const std::vector<double>& params) {
  KernelCall call;
  call.kernel = kernel;
  call.params = params;
  call.buffers.reserve(ids.size());
  for (std::uint32_t id : ids) call.buffers.push_back(id == 0 ? DeviceBuffer{} : find(id));
  executor_->run(pool_, call);
  counters_.kernelCalls += 1;
}

}  // namespace asc::cuda::train
