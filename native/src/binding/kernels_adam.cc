#include <napi.h>

#include <utility>

#include "binding/kernels.h"
#include "kernels/adam.h"

namespace asc::binding {

namespace {

// adamStep(w, g, m, v, wOut, mOut, vOut, beta1, beta2, epsilon, weightDecay, stepSize,
//          sqrtC2)
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Floats w = floats(info, 0, "w"), g = floats(info, 1, "g"), m = floats(info, 2, "m"),
         v = floats(info, 3, "v"), wOut = floats(info, 4, "wOut"), mOut = floats(info, 5, "mOut"),
         vOut = floats(info, 6, "vOut");
  const std::size_t n = w.ElementLength();
  for (const auto& [a, name] : {std::pair{&g, "g"},
                                {&m, "m"},
                                {&v, "v"},
                                {&wOut, "wOut"},
                                {&mOut, "mOut"},
                                {&vOut, "vOut"}}) {
    expectLength(info.Env(), *a, n, name);
  }
  const kernels::AdamParams p{static_cast<float>(number(info, 7, "beta1")),
                              static_cast<float>(number(info, 8, "beta2")),
                              static_cast<float>(number(info, 9, "epsilon")),
                              static_cast<float>(number(info, 10, "weightDecay")),
                              static_cast<float>(number(info, 11, "stepSize")),
                              static_cast<float>(number(info, 12, "sqrtC2"))};
  kernels::adamStep(w.Data(), g.Data(), m.Data(), v.Data(), n, p, wOut.Data(), mOut.Data(),
                    vOut.Data());
  return info.Env().Undefined();
}

}  // namespace

void AddAdamKernels(Napi::Env env, Napi::Object kernels) {
  kernels.Set("adamStep", Napi::Function::New(env, AdamStep));
}

}  // namespace asc::binding
