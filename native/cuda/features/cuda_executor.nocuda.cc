// executor.h's GPU entry points in an addon built without CUDA: they say so.
#include "cuda/common/runtime.h"
#include "cuda/features/executor.h"

namespace asc::cuda::features {

std::unique_ptr<SlotExecutor> makeCudaExecutor(const ExecutorSetup&) {
  throw CudaUnavailable(Unusable::kNotBuilt, runtimeStatus().reason);
}

ComputeTiming timeCudaCompute(const ExecutorSetup&, std::size_t, int, std::size_t) {
  throw CudaUnavailable(Unusable::kNotBuilt, runtimeStatus().reason);
}

}  // namespace asc::cuda::features
