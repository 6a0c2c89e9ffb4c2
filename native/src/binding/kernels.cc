// The registry of the kernels' binding (see kernels.h): loads OpenBLAS, exports each
// concern's functions, the thread pool's controls, the codes of the op enums and the
// names of the kernels the addon adds to tfjs, so that TypeScript copies none of them.
#include "binding/kernels.h"

#include <napi.h>

#include <cstddef>
#include <string>
#include <utility>

#include "binding/binding.h"
#include "common/thread_pool.h"
#include "kernels/activation.h"
#include "kernels/batch_norm.h"
#include "kernels/blas.h"
#include "kernels/elementwise.h"

namespace asc::binding {

namespace {

// The tfjs kernels lib/kernels adds (tfjs has none of their kind), by role: @asc/zoo's
// layers and @asc/trainer's optimiser dispatch them by these names.
constexpr std::pair<const char*, const char*> kTfjsKernelNames[] = {
    {"swish", "AscSwish"},
    {"swishGrad", "AscSwishGrad"},
    {"sigmoidGrad", "AscSigmoidGrad"},
    {"squareGrad", "AscSquareGrad"},
    {"reluGrad", "AscReluGrad"},
    {"relu6Grad", "AscRelu6Grad"},
    {"dyWhere", "AscDyWhere"},
    {"broadcastDiv", "AscBroadcastDiv"},
    {"batchNormTraining", "AscBatchNormTraining"},
    {"batchNormInference", "AscBatchNormInference"},
    {"batchNormGrad", "AscBatchNormGrad"},
    {"adamStep", "AscAdamStep"},
    {"invertedResidual", "AscInvertedResidual"},
};

// {name: code} of an enum whose names are indexed by code.
template <std::size_t N>
Napi::Object codes(Napi::Env env, const char* const (&names)[N]) {
  Napi::Object o = Napi::Object::New(env);
  for (std::size_t i = 0; i < N; ++i) o.Set(names[i], Napi::Number::New(env, i));
  return o;
}

Napi::Value SetKernelThreads(const Napi::CallbackInfo& info) {
  const std::size_t n = count(info, 0, "threads");
  if (n < 1 || n > 1024) throw Napi::RangeError::New(info.Env(), "threads must be 1..1024");
  asc::setKernelThreads(static_cast<unsigned>(n));
  return info.Env().Undefined();
}

// The kernel set OpenBLAS chose when it loaded (e.g. "SkylakeX", "Haswell", "Prescott").
Napi::Value BlasCore(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kernels::blasCoreName());
}

Napi::Value KernelThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), asc::kernelThreads());
}

}  // namespace

void InitKernels(Napi::Env env, Napi::Object exports) {
  // Without OpenBLAS the kernels are absent and the reason is exported instead; the
  // rest of the addon (features) still loads.
  const std::string blasError = kernels::loadBlas();
  if (!blasError.empty()) {
    exports.Set("kernelsUnavailable", Napi::String::New(env, blasError));
    return;
  }
  Napi::Object k = Napi::Object::New(env);
  AddConvKernels(env, k);
  AddMatMulKernels(env, k);
  AddElementwiseKernels(env, k);
  AddBatchNormKernels(env, k);
  AddAdamKernels(env, k);
  k.Set("setThreads", Napi::Function::New(env, SetKernelThreads));
  k.Set("threads", Napi::Function::New(env, KernelThreads));
  k.Set("blasCore", Napi::Function::New(env, BlasCore));
  Napi::Object ops = Napi::Object::New(env);
  ops.Set("binary", codes(env, kernels::kBinaryOpNames));
  ops.Set("unary", codes(env, kernels::kUnaryOpNames));
  ops.Set("activation", codes(env, kernels::kActivationNames));
  Napi::Object batchNormActivation = Napi::Object::New(env);
  for (const kernels::Activation a : kernels::kBatchNormActivations) {
    const auto code = static_cast<std::size_t>(a);
    batchNormActivation.Set(kernels::kActivationNames[code], Napi::Number::New(env, code));
  }
  ops.Set("batchNormActivation", batchNormActivation);
  k.Set("ops", ops);
  Napi::Object names = Napi::Object::New(env);
  for (const auto& [role, name] : kTfjsKernelNames) names.Set(role, name);
  k.Set("names", names);
  exports.Set("kernels", k);
}

}  // namespace asc::binding
