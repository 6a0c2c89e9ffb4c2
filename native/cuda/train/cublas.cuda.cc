#include "cuda/train/cublas.h"

#include <memory>

namespace asc::cuda::train {

const char* CublasLibrary::statusName(int status) {
  switch (status) {
    case 0:
      return "CUBLAS_STATUS_SUCCESS";
    case 1:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case 8:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16:
      return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "unknown cuBLAS status";
}

const CublasLibrary* CublasLibrary::get(std::string* error) {
  return loadOnce<CublasLibrary>(error, [](std::string& why) -> std::unique_ptr<CublasLibrary> {
    std::unique_ptr<CublasLibrary> lib(new CublasLibrary());
    SharedLibrary& so = lib->lib_;
    so =
        openNvidiaLibrary({"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"},
                          "ASC_CUBLAS_LIBRARY");
    if (!so.ok()) {
      why = "libcublas " + so.error();
      return nullptr;
    }
    if (!so.bind(lib->create, "cublasCreate_v2") || !so.bind(lib->destroy, "cublasDestroy_v2") ||
        !so.bind(lib->setStream, "cublasSetStream_v2") ||
        !so.bind(lib->setMathMode, "cublasSetMathMode") ||
        !so.bind(lib->getVersion, "cublasGetVersion_v2") ||
        !so.bind(lib->sgemmStridedBatched, "cublasSgemmStridedBatched")) {
      why = so.error();
      return nullptr;
    }
    return lib;
  });
}

}  // namespace asc::cuda::train
