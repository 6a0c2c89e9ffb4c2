// cuBLAS loaded at run time (CUDA builds only), for the backend's matrix products. The
// build machines have no cuBLAS headers, so the few entry points used are declared here
// by hand with cublas_api.h's types (cublasHandle_t is a pointer, cublasStatus_t and the
// enums are ints). Where no libcublas.so loads, the backend uses its own product kernel.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "cuda/common/library.h"

namespace asc::cuda::train {

class CublasLibrary {
 public:
  // The process-wide library: libcublas.so.13 (CUDA 13), .12, .11 or libcublas.so, from
  // ASC_CUBLAS_LIBRARY (a file or directory), the dynamic linker's path or
  // /usr/local/cuda. nullptr when none loads; `error` (if given) then says what was tried.
  static const CublasLibrary* get(std::string* error = nullptr);

  const std::string& path() const { return lib_.path(); }

  int (*create)(void** handle) = nullptr;
  int (*destroy)(void* handle) = nullptr;
  int (*setStream)(void* handle, cudaStream_t stream) = nullptr;
  int (*setMathMode)(void* handle, int mode) = nullptr;
  int (*getVersion)(void* handle, int* version) = nullptr;
  int (*sgemmStridedBatched)(void* handle, int transa, int transb, int m, int n, int k,
                             const float* alpha, const float* a, int lda, long long strideA,
                             const float* b, int ldb, long long strideB, const float* beta,
                             float* c, int ldc, long long strideC, int batchCount) = nullptr;

  static constexpr int kOpN = 0;               // CUBLAS_OP_N
  static constexpr int kOpT = 1;               // CUBLAS_OP_T
  static constexpr int kDefaultMath = 0;       // CUBLAS_DEFAULT_MATH: float32 products
  static constexpr int kTf32TensorOpMath = 3;  // CUBLAS_TF32_TENSOR_OP_MATH
  static const char* statusName(int status);

 private:
  CublasLibrary() = default;
  SharedLibrary lib_;
};

}  // namespace asc::cuda::train
