// The binding of the tfjs kernels, split by concern as src/kernels is: kernels.cc (the
// registry: OpenBLAS, threads, op codes and kernel names), kernels_conv.cc (convolutions
// and pooling), kernels_matmul.cc, kernels_elementwise.cc, kernels_batch_norm.cc,
// kernels_adam.cc; kernel_args.cc holds the argument checks they share. Every call is
// synchronous (tfjs kernel functions are), reads the backend's Float32Arrays in place and
// writes into output arrays allocated by the caller; sizes are checked here, once.
#pragma once

#include <napi.h>

#include <cstddef>
#include <string>

#include "kernels/activation.h"
#include "kernels/elementwise.h"
#include "kernels/geometry.h"

namespace asc::binding {

using Floats = Napi::TypedArrayOf<float>;

// Argument i as a Float32Array; throws a TypeError naming it otherwise.
Floats floats(const Napi::CallbackInfo& info, std::size_t i, const char* name);

// A Float32Array argument, or nullptr when the argument is null or undefined.
const float* optionalFloats(const Napi::CallbackInfo& info, std::size_t i, const char* name,
                            std::size_t* length);

void expectLength(const Napi::Env& env, const Floats& f, std::size_t want, const char* name);

double number(const Napi::CallbackInfo& info, std::size_t i, const char* name);

// A whole number >= 0.
std::size_t count(const Napi::CallbackInfo& info, std::size_t i, const char* name);

kernels::Shape shapeArg(const Napi::CallbackInfo& info, std::size_t i, const char* name);

std::size_t sizeOf(const kernels::Shape& s);

// [batch, inH, inW, inC, outH, outW, outC, filterH, filterW, strideH, strideW, padTop, padLeft]
kernels::ConvGeometry geometry(const Napi::CallbackInfo& info, std::size_t i);

// Argument i as the code of an enum whose names (`names`, indexed by code) the addon
// exports; throws a RangeError for any other number.
template <class Enum, std::size_t N>
Enum enumCode(const Napi::CallbackInfo& info, std::size_t i, const char* name,
              const char* const (&names)[N]) {
  const double v = number(info, i, name);
  if (!(v >= 0 && v < static_cast<double>(N)) || v != static_cast<double>(static_cast<int>(v))) {
    throw Napi::RangeError::New(info.Env(), std::string("unknown ") + name + " code");
  }
  return static_cast<Enum>(static_cast<int>(v));
}

// An Activation code (kernels/activation.h).
inline kernels::Activation activation(const Napi::CallbackInfo& info, std::size_t i) {
  return enumCode<kernels::Activation>(info, i, "activation", kernels::kActivationNames);
}

// Each adds the functions of its concern to the addon's `kernels` object.
void AddConvKernels(Napi::Env env, Napi::Object kernels);
void AddMatMulKernels(Napi::Env env, Napi::Object kernels);
void AddElementwiseKernels(Napi::Env env, Napi::Object kernels);
void AddBatchNormKernels(Napi::Env env, Napi::Object kernels);
void AddAdamKernels(Napi::Env env, Napi::Object kernels);

}  // namespace asc::binding
