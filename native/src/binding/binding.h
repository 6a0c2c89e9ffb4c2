// The binding layer: the only code in the addon that knows N-API.
#pragma once

#include <napi.h>

namespace asc::binding {

// Each adds its functions to `exports`.
void InitFeatures(Napi::Env env, Napi::Object exports);
void InitKernels(Napi::Env env, Napi::Object exports);

}  // namespace asc::binding
