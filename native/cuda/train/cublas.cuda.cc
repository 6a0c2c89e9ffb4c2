#include "cuda/train/cublas.h"

#include <memory>
#include <mutex>

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
  static std::mutex mutex;
  static std::unique_ptr<CublasLibrary> loaded;
  static std::string loadError;
  static bool tried = false;
  std::lock_guard<std::mutex> lock(mutex);
  if (!tried) {
    tried = true;
    std::unique_ptr<CublasLibrary> lib(new CublasLibrary());
    lib->lib_ = SharedLibrary::open(
        {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"},
        "ASC_CUBLAS_LIBRARY",
        {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"});
    if (!lib->lib_.ok()) {
      loadError = "libcublas " + lib->lib_.error();
    } else if (!lib->lib_.bind(lib->create, "cublasCreate_v2") ||
               !lib->lib_.bind(lib->destroy, "cublasDestroy_v2") ||
               !lib->lib_.bind(lib->setStream, "cublasSetStream_v2") ||
               !lib->lib_.bind(lib->setMathMode, "cublasSetMathMode") ||
               !lib->lib_.bind(lib->getVersion, "cublasGetVersion_v2") ||
               !lib->lib_.bind(lib->sgemmStridedBatched, "cublasSgemmStridedBatched")) {
      loadError = lib->lib_.error();
    } else {
      loaded = std::move(lib);
    }
  }
  if (!loaded && error) *error = loadError;
  return loaded.get();
}

}  // namespace asc::cuda::train
