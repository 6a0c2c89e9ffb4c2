#include "cuda/common/cufft.h"

#include <memory>
#include <mutex>

#include "cuda/common/runtime.h"

namespace asc::cuda {

namespace {

void check(int result, const char* call) {
  if (result != 0) {
    throw CudaError(result, std::string(call) + " failed: cuFFT error " + std::to_string(result) +
                                " " + CufftLibrary::resultName(result));
  }
}

}  // namespace

const char* CufftLibrary::resultName(int result) {
  static const char* names[] = {"CUFFT_SUCCESS",
                                "CUFFT_INVALID_PLAN",
                                "CUFFT_ALLOC_FAILED",
                                "CUFFT_INVALID_TYPE",
                                "CUFFT_INVALID_VALUE",
                                "CUFFT_INTERNAL_ERROR",
                                "CUFFT_EXEC_FAILED",
                                "CUFFT_SETUP_FAILED",
                                "CUFFT_INVALID_SIZE",
                                "CUFFT_UNALIGNED_DATA",
                                "CUFFT_INCOMPLETE_PARAMETER_LIST",
                                "CUFFT_INVALID_DEVICE",
                                "CUFFT_PARSE_ERROR",
                                "CUFFT_NO_WORKSPACE",
                                "CUFFT_NOT_IMPLEMENTED",
                                "CUFFT_LICENSE_ERROR",
                                "CUFFT_NOT_SUPPORTED"};
  return result >= 0 && result < static_cast<int>(sizeof names / sizeof names[0]) ? names[result]
                                                                                  : "unknown";
}

std::string CufftLibrary::versionString() const {
  return std::to_string(version_ / 1000) + "." + std::to_string((version_ % 1000) / 100) + "." +
         std::to_string(version_ % 100);
}

const CufftLibrary* CufftLibrary::get(std::string* error) {
  static std::mutex mutex;
  static std::unique_ptr<CufftLibrary> loaded;
  static std::string loadError;
  static bool tried = false;
  std::lock_guard<std::mutex> lock(mutex);
  if (!tried) {
    tried = true;
    std::unique_ptr<CufftLibrary> lib(new CufftLibrary());
    lib->lib_ = SharedLibrary::open(
        {"libcufft.so.12", "libcufft.so.11", "libcufft.so"}, "ASC_CUFFT_LIBRARY",
        {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"});
    if (!lib->lib_.ok()) {
      loadError = "libcufft " + lib->lib_.error();
    } else if (!lib->lib_.bind(lib->create, "cufftCreate") ||
               !lib->lib_.bind(lib->setAutoAllocation, "cufftSetAutoAllocation") ||
               !lib->lib_.bind(lib->makePlanMany, "cufftMakePlanMany") ||
               !lib->lib_.bind(lib->setWorkArea, "cufftSetWorkArea") ||
               !lib->lib_.bind(lib->setStream, "cufftSetStream") ||
               !lib->lib_.bind(lib->execR2C, "cufftExecR2C") ||
               !lib->lib_.bind(lib->destroy, "cufftDestroy") ||
               !lib->lib_.bind(lib->getVersion, "cufftGetVersion")) {
      loadError = lib->lib_.error();
    } else {
      lib->getVersion(&lib->version_);
      loaded = std::move(lib);
    }
  }
  if (!loaded && error) *error = loadError;
  return loaded.get();
}

LibraryStatus cufftStatus() {
  LibraryStatus s;
  const CufftLibrary* lib = CufftLibrary::get(&s.error);
  if (lib) {
    s.found = true;
    s.path = lib->path();
    s.version = lib->versionString();
  }
  return s;
}

CufftPlanR2C::CufftPlanR2C(const CufftLibrary& lib, int n, int batch) : lib_(lib) {
  check(lib_.create(&plan_), "cufftCreate");
  try {
    check(lib_.setAutoAllocation(plan_, 0), "cufftSetAutoAllocation");
    int dims[1] = {n};
    check(lib_.makePlanMany(plan_, 1, dims, nullptr, 1, n, nullptr, 1, n / 2 + 1,
                            CufftLibrary::kR2C, batch, &workBytes_),
          "cufftMakePlanMany");
  } catch (...) {
    lib_.destroy(plan_);
    throw;
  }
}

CufftPlanR2C::~CufftPlanR2C() { lib_.destroy(plan_); }

void CufftPlanR2C::setWorkArea(void* area) {
  check(lib_.setWorkArea(plan_, area), "cufftSetWorkArea");
}

void CufftPlanR2C::exec(cudaStream_t stream, float* in, float2* out) {
  check(lib_.setStream(plan_, stream), "cufftSetStream");
  check(lib_.execR2C(plan_, in, out), "cufftExecR2C");
}

}  // namespace asc::cuda
