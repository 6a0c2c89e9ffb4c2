#include "binding/binding.h"

namespace asc::binding {

void InitKernels(Napi::Env, Napi::Object) {}

}  // namespace asc::binding
