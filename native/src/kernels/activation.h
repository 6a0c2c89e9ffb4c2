// The activations the kernels apply and differentiate, each function and derivative
// defined once here for every kernel that uses it: the unary and gradient ops
// (elementwise.h), the activations fused into convolutions and products (conv.h,
// matmul.h), and batch normalisation and its gradient (batch_norm.h). Each follows
// tfjs's JS kernel of the same name, NaN and signed zeros included (relu(NaN) = NaN,
// relu(-0) = +0), and is written to vectorise: no libm calls, no branches. The act::
// functions are ASC_HD: the GPU kernels (native/cuda/train) use these same definitions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "kernels/vec_math.h"

namespace asc::kernels {

// The activations tfjs fuses into FusedConv2D and _FusedMatMul that we implement (the
// others, prelu and elu, stay with the JS kernel), and swish, which our batch
// normalisation fuses: X(enumerator, the name of tfjs's `activation` attr). The binding
// exports the names with their codes, so the TypeScript side copies neither.
#define ASC_ACTIVATIONS(X)  \
  X(Linear, "linear")       \
  X(Relu, "relu")           \
  X(Relu6, "relu6")         \
  X(Sigmoid, "sigmoid")     \
  X(LeakyRelu, "leakyrelu") \
  X(Swish, "swish")

enum class Activation {
#define ASC_ACTIVATION_ENUMERATOR(id, name) id,
  ASC_ACTIVATIONS(ASC_ACTIVATION_ENUMERATOR)
#undef ASC_ACTIVATION_ENUMERATOR
};

// tfjs's names of the activations, indexed by Activation.
inline constexpr const char* kActivationNames[] = {
#define ASC_ACTIVATION_NAME(id, name) name,
    ASC_ACTIVATIONS(ASC_ACTIVATION_NAME)
#undef ASC_ACTIVATION_NAME
};

namespace act {

// tfjs's step: 1 above zero, `alpha` otherwise, NaN stays NaN (x != x).
ASC_HD float step(float x, float alpha = 0.0f) { return x != x ? x : (x > 0.0f ? 1.0f : alpha); }

// One comparison: NaN <= 0 is false (NaN stays), -0 <= 0 is true (+0), as Math.max(0, x).
ASC_HD float relu(float x) { return x <= 0.0f ? 0.0f : x; }
// tfjs: dy * step(x).
ASC_HD float reluGrad(float x, float dy) { return dy * step(x); }

// std::min(relu(x), 6).
ASC_HD float relu6(float x) {
  const float r = relu(x);
  return 6.0f < r ? 6.0f : r;
}
// tfjs: dy * ((x <= 6) * step(x)), as products (&& does not vectorise).
ASC_HD float relu6Grad(float x, float dy) { return dy * ((x <= 6.0f ? 1.0f : 0.0f) * step(x)); }

ASC_HD float sigmoid(float x) { return sigmoidApprox(x); }
// From the sigmoid's output y, as tfjs: dy * (y * (1 - y)).
ASC_HD float sigmoidGrad(float y, float dy) { return dy * (y * (1.0f - y)); }

ASC_HD float leakyRelu(float x, float alpha) { return x < 0.0f ? alpha * x : x; }

ASC_HD float swish(float x) { return x * sigmoidApprox(x); }
// d/dx x s(x) = s (1 + x (1 - s)), s = sigmoid(x).
ASC_HD float swishGrad(float x, float dy) {
  const float s = sigmoidApprox(x);
  return dy * (s * (1.0f + x * (1.0f - s)));
}

}  // namespace act

// Applies a fused activation in place to n values.
inline void applyActivation(Activation activation, float leakyAlpha, float* v, std::size_t n) {
  switch (activation) {
    case Activation::Linear:
      return;
    case Activation::Relu:
      for (std::size_t i = 0; i < n; ++i) v[i] = act::relu(v[i]);
      return;
    case Activation::Relu6:
      for (std::size_t i = 0; i < n; ++i) v[i] = act::relu6(v[i]);
      return;
    case Activation::Sigmoid:
      for (std::size_t i = 0; i < n; ++i) v[i] = act::sigmoid(v[i]);
      return;
    case Activation::LeakyRelu:
      for (std::size_t i = 0; i < n; ++i) v[i] = act::leakyRelu(v[i], leakyAlpha);
      return;
    case Activation::Swish:
      for (std::size_t i = 0; i < n; ++i) v[i] = act::swish(v[i]);
      return;
  }
}

// rows[pixels x channels] = activation(rows + bias), bias (per channel) may be null: the
// epilogue of the convolutions, run on a block while it is still in cache, a pixel at a
// time so that the activation reads what the bias wrote from L1.
inline void addBiasAndActivate(const float* bias, Activation activation, float leakyAlpha,
                               std::size_t pixels, std::size_t channels, float* rows) {
  if (!bias) {
    applyActivation(activation, leakyAlpha, rows, pixels * channels);
    return;
  }
  for (std::size_t p = 0; p < pixels; ++p) {
    float* row = rows + p * channels;
    for (std::size_t c = 0; c < channels; ++c) row[c] += bias[c];
    applyActivation(activation, leakyAlpha, row, channels);
  }
}

}  // namespace asc::kernels
