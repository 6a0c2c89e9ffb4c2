// Checking CUDA calls (CUDA builds only). A failed call throws CudaError naming the call,
// the error and the source line: callers never continue past a failed CUDA call.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "cuda/common/runtime.h"

namespace asc::cuda {

[[noreturn]] inline void throwCudaError(cudaError_t e, const char* call, const char* file,
                                        int line) {
  throw CudaError(static_cast<int>(e),
                  std::string(call) + " failed at " + file + ":" + std::to_string(line) +
                      ": error " + std::to_string(static_cast<int>(e)) + " " + cudaGetErrorName(e) +
                      " (" + cudaGetErrorString(e) + ")");
}

}  // namespace asc::cuda

#define ASC_CUDA_CHECK(call)                                                  \
  do {                                                                        \
    const cudaError_t ascCudaStatus_ = (call);                                \
    if (ascCudaStatus_ != cudaSuccess) {                                      \
      ::asc::cuda::throwCudaError(ascCudaStatus_, #call, __FILE__, __LINE__); \
    }                                                                         \
  } while (0)

// After a kernel launch: launch errors (bad configuration) surface at once; faults inside
// the kernel surface at the next synchronising call, which is checked too.
#define ASC_CUDA_CHECK_LAUNCH() ASC_CUDA_CHECK(cudaGetLastError())
