// device.h's GPU executor in an addon built without CUDA: it says so.
#include "cuda/common/runtime.h"
#include "cuda/train/device.h"

namespace asc::cuda::train {

std::unique_ptr<Executor> makeCudaExecutor(const DeviceOptions&) {
  throw CudaUnavailable(Unusable::kNotBuilt, runtimeStatus().reason);
}

}  // namespace asc::cuda::train
