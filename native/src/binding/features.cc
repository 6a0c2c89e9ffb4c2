#include "binding/binding.h"

namespace asc::binding {

void InitFeatures(Napi::Env, Napi::Object) {}

}  // namespace asc::binding
