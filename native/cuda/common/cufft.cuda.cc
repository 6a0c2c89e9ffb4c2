#include "cuda/common/cufft.h"

#include <memory>

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
  return loadOnce<CufftLibrary>(error, [](std::string& why) -> std::unique_ptr<CufftLibrary> {
    std::unique_ptr<CufftLibrary> lib(new CufftLibrary());
    SharedLibrary& so = lib->lib_;
    so =
        openNvidiaLibrary({"libcufft.so.12", "libcufft.so.11", "libcufft.so"}, "ASC_CUFFT_LIBRARY");
    if (!so.ok()) {
      why = "libcufft " + so.error();
      return nullptr;
    }
    if (!so.bind(lib->create, "cufftCreate") ||
        !so.bind(lib->setAutoAllocation, "cufftSetAutoAllocation") ||
        !so.bind(lib->makePlanMany, "cufftMakePlanMany") ||
        !so.bind(lib->setWorkArea, "cufftSetWorkArea") ||
        !so.bind(lib->setStream, "cufftSetStream") || !so.bind(lib->execR2C, "cufftExecR2C") ||
        !so.bind(lib->destroy, "cufftDestroy") || !so.bind(lib->getVersion, "cufftGetVersion")) {
      why = so.error();
      return nullptr;
    }
    lib->getVersion(&lib->version_);
    return lib;
  });
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
