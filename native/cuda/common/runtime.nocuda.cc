// runtime.h for an addon compiled without nvcc: nothing is usable, and every answer says so.
#include "cuda/common/runtime.h"

namespace asc::cuda {

namespace {
const char* kNotBuiltReason =
    "the addon was built without CUDA (nvcc was not found when it was compiled, or ASC_CUDA=0); "
    "rebuild it on a machine with the CUDA toolkit: npx nx run native:build";
}

RuntimeStatus runtimeStatus() {
  RuntimeStatus s;
  s.code = Unusable::kNotBuilt;
  s.reason = kNotBuiltReason;
  return s;
}

bool builtWithCuda() { return false; }

LibraryStatus cufftStatus() {
  LibraryStatus s;
  s.error = kNotBuiltReason;
  return s;
}

DeviceInfo requireDevice(int, std::uint64_t) {
  throw CudaUnavailable(Unusable::kNotBuilt, kNotBuiltReason);
}

}  // namespace asc::cuda
