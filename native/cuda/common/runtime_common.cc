// The parts of runtime.h that do not need CUDA (both builds compile this file).
#include "cuda/common/runtime.h"

namespace asc::cuda {

const char* unusableName(Unusable code) {
  switch (code) {
    case Unusable::kNone:
      return "usable";
    case Unusable::kNotBuilt:
      return "not-built";
    case Unusable::kNoDriver:
      return "no-driver";
    case Unusable::kDriverTooOld:
      return "driver-too-old";
    case Unusable::kNoDevice:
      return "no-device";
    case Unusable::kArchitecture:
      return "architecture";
    case Unusable::kOutOfMemory:
      return "out-of-memory";
    case Unusable::kUnsupported:
      return "unsupported-config";
    case Unusable::kError:
      return "cuda-error";
  }
  return "cuda-error";
}

std::string cudaVersionString(int version) {
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

}  // namespace asc::cuda
