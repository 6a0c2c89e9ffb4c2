#include <napi.h>

#include <algorithm>

#include "binding/kernels.h"
#include "kernels/matmul.h"

namespace asc::binding {

namespace {

// matMul(a, b, bias | null, out, [batchA, batchB, m, n, k, transposeA, transposeB],
//        activation, leakyAlpha)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const kernels::Shape v = shapeArg(info, 4, "matMulShape");
  if (v.size() != 7) throw Napi::TypeError::New(info.Env(), "matMulShape must have 7 entries");
  kernels::MatMulShape s;
  s.batchA = v[0];
  s.batchB = v[1];
  s.m = v[2];
  s.n = v[3];
  s.k = v[4];
  s.transposeA = v[5] != 0;
  s.transposeB = v[6] != 0;
  if (s.batchA == 0 || s.batchB == 0) {
    throw Napi::RangeError::New(info.Env(), "matMul batch sizes must be >= 1");
  }
  Floats a = floats(info, 0, "a"), b = floats(info, 1, "b"), out = floats(info, 3, "out");
  expectLength(info.Env(), a, s.batchA * s.m * s.k, "a");
  expectLength(info.Env(), b, s.batchB * s.k * s.n, "b");
  expectLength(info.Env(), out, std::max(s.batchA, s.batchB) * s.m * s.n, "out");
  std::size_t biasLength = 0;
  const float* bias = optionalFloats(info, 2, "bias", &biasLength);
  if (bias && biasLength != 1 && biasLength != s.n) {
    throw Napi::RangeError::New(info.Env(), "bias must have 1 or n values");
  }
  kernels::batchMatMul(s, a.Data(), b.Data(), bias, biasLength, activation(info, 5),
                       static_cast<float>(number(info, 6, "leakyAlpha")), out.Data());
  return info.Env().Undefined();
}

}  // namespace

void AddMatMulKernels(Napi::Env env, Napi::Object kernels) {
  kernels.Set("matMul", Napi::Function::New(env, MatMul));
}

}  // namespace asc::binding
