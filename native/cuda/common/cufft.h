// cuFFT loaded at run time (CUDA builds only). The build machines have no cuFFT headers,
// so the few entry points used are declared here by hand, with the types and constants of
// cufft.h (stable since CUDA 6). Where no libcufft.so is found, callers fall back to their
// own FFT.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include "cuda/common/library.h"

namespace asc::cuda {

class CufftLibrary {
 public:
  // The process-wide library: libcufft.so.12 (CUDA 13), .11 (CUDA 11-12) or libcufft.so,
  // from ASC_CUFFT_LIBRARY (a file or directory), the dynamic linker's path or
  // /usr/local/cuda. nullptr when none loads; `error` (if given) then says what was tried.
  static const CufftLibrary* get(std::string* error = nullptr);

  const std::string& path() const { return lib_.path(); }
  int version() const { return version_; }  // e.g. 12000
  std::string versionString() const;

  // cufft.h's signatures (cufftHandle = int, cufftResult = int, cufftReal = float,
  // cufftComplex = float2).
  int (*create)(int* plan) = nullptr;
  int (*setAutoAllocation)(int plan, int autoAllocate) = nullptr;
  int (*makePlanMany)(int plan, int rank, int* n, int* inembed, int istride, int idist,
                      int* onembed, int ostride, int odist, int type, int batch,
                      std::size_t* workSize) = nullptr;
  int (*setWorkArea)(int plan, void* workArea) = nullptr;
  int (*setStream)(int plan, cudaStream_t stream) = nullptr;
  int (*execR2C)(int plan, float* in, float2* out) = nullptr;
  int (*destroy)(int plan) = nullptr;
  int (*getVersion)(int* version) = nullptr;

  static constexpr int kR2C = 0x2a;  // CUFFT_R2C
  static const char* resultName(int result);

 private:
  CufftLibrary() = default;
  SharedLibrary lib_;
  int version_ = 0;
};

// A batched real-to-complex plan of `batch` transforms of length n (input rows of n
// floats, output rows of n/2 + 1 complex values), with its work area supplied by the
// caller so that it counts in the caller's memory budget. Throws CudaError.
class CufftPlanR2C {
 public:
  CufftPlanR2C(const CufftLibrary& lib, int n, int batch);
  CufftPlanR2C(const CufftPlanR2C&) = delete;
  CufftPlanR2C& operator=(const CufftPlanR2C&) = delete;
  ~CufftPlanR2C();

  std::size_t workBytes() const { return workBytes_; }
  void setWorkArea(void* area);
  void exec(cudaStream_t stream, float* in, float2* out);

 private:
  const CufftLibrary& lib_;
  int plan_ = 0;
  std::size_t workBytes_ = 0;
};

}  // namespace asc::cuda
