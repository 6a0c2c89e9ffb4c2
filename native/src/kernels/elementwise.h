// Elementwise and reduction kernels over float32 with tfjs's broadcasting rules; loops
// written to vectorise, split across asc::kernelPool().
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/geometry.h"

namespace asc::kernels {

using Shape = std::vector<std::size_t>;

// The last three are gradients written as one pass each, in tfjs's own operation order:
// SigmoidGrad(y, dy) = dy * (y * (1 - y)), SquareGrad(x, dy) = dy * (x * 2),
// ReluGrad(x, dy) = dy * step(x), Relu6Grad(x, dy) = dy * ((x <= 6) * step(x)),
// SwishGrad(x, dy) = dy * s * (1 + x * (1 - s)) with s = sigmoid(x);
// DyWhereLE(x, dy) = dy * (x <= param), likewise LT, GE, GT (Minimum / Maximum
// gradients against a scalar).
enum class BinaryOp {
  Add,
  Sub,
  Mul,
  Div,
  SquaredDifference,
  Maximum,
  Minimum,
  SigmoidGrad,
  SquareGrad,
  ReluGrad,
  Relu6Grad,
  SwishGrad,
  DyWhereLE,
  DyWhereLT,
  DyWhereGE,
  DyWhereGT
};
enum class UnaryOp {
  Sigmoid,
  Square,
  Rsqrt,
  Sqrt,
  Neg,
  Relu,
  Exp,
  Abs,
  Reciprocal,
  Step,
  Relu6,
  Swish  // x * sigmoid(x)
};

// out (outShape) = a op b, where aShape and bShape broadcast to outShape numpy-style.
void binaryBroadcast(BinaryOp op, const float* a, const Shape& aShape, const float* b,
                     const Shape& bShape, float* out, const Shape& outShape, float param = 0.0f);

// out[i] = f(x[i]); Step is tfjs's step with alpha: x > 0 ? 1 : alpha (NaN stays NaN).
void unary(UnaryOp op, const float* x, float* out, std::size_t n, float alpha = 0.0f);

// x viewed as [outer, reduce, inner]: out[o, i] = scale * sum_r x[o, r, i], summed in
// double.
void sumReduce(const float* x, std::size_t outer, std::size_t reduce, std::size_t inner,
               double scale, float* out);

// out = tile(x, reps), out shape [inShape[d] * reps[d]].
void tile(const float* x, const Shape& inShape, const Shape& reps, float* out);

// Batch normalisation over rows of `channels` values: out = act(offset + (x - mean) *
// scale / sqrt(variance + epsilon)), each parameter of length `channels` or 1; offset and
// scale may be null (0 and 1). `act` is Linear, Relu, Relu6 or Swish.
struct BatchNormParams {
  const float* mean;
  std::size_t meanLength;
  const float* variance;
  std::size_t varianceLength;
  const float* offset;
  std::size_t offsetLength;
  const float* scale;
  std::size_t scaleLength;
  float epsilon;
  Activation activation = Activation::Linear;
};
void batchNorm(const float* x, std::size_t rows, std::size_t channels, const BatchNormParams& p,
               float* out);

// Training-mode batch normalisation in one call: the batch moments of x per channel
// (mean and biased variance, as tfjs's moments), written to `mean` and `variance`, then
// batchNorm with them. p's mean and variance are ignored; offset and scale are per channel.
void batchNormTraining(const float* x, std::size_t rows, std::size_t channels,
                       const BatchNormParams& p, float* out, float* mean, float* variance);

// The gradients of act(batchNorm(x)) with per-channel mean, variance, scale and offset
// (scale and offset may be null: 1 and 0), in two passes instead of a dozen. With g = dy
// * act'(z), z = offset + xhat * scale, xhat = (x - mean) * r, r = 1 / sqrt(variance +
// epsilon) and sums over rows: dx = g * scale * r, dMean = -r * scale * sum(g),
// dVariance = -r^3 / 2 * scale * sum(g * (x - mean)), dScale = r * sum(g * (x - mean)),
// dOffset = sum(g). The normalised values are not stored by the forward pass: both
// passes recompute them from x (memory traffic, not arithmetic, bounds these loops), and
// for swish, whose sigmoid is not cheap, pass 1 keeps g in dx for pass 2.
//
// With `batchStatistics`, mean and variance are the batch moments of x itself, and dx is
// the whole gradient through them too: dx = scale * r * (g - mean(g) - xhat * mean(g *
// xhat)); dMean and dVariance are then zero (their share is in dx), and gradients that
// reach the moments directly (`dMeanIn`, `dVarianceIn`, may be null) are added to dx.
struct BatchNormGradParams {
  const float* mean;
  const float* variance;
  const float* scale;
  const float* offset;
  float epsilon;
  Activation activation = Activation::Linear;
  bool batchStatistics = false;
  const float* dMeanIn = nullptr;
  const float* dVarianceIn = nullptr;
};
struct BatchNormGrads {
  float* dx;
  float* dMean;
  float* dVariance;
  float* dScale;
  float* dOffset;
};
void batchNormGrad(const float* x, const float* dy, std::size_t rows, std::size_t channels,
                   const BatchNormGradParams& p, const BatchNormGrads& out);

// One Adam step with L2 weight decay, as PyTorch's Adam(weight_decay=wd) and the
// trainer's AdamL2 compute it, per element: g' = g + wd * w (when wd > 0), m' = b1 m +
// (1 - b1) g', v' = b2 v + (1 - b2) g'^2, w' = w - stepSize * m' / (sqrt(v') / sqrtC2 +
// epsilon), with stepSize = lr / (1 - b1^t) and sqrtC2 = sqrt(1 - b2^t). One pass where
// the same chain of tensor ops takes a dozen (each a kernel call and a temporary).
struct AdamParams {
  float beta1;
  float beta2;
  float epsilon;
  float weightDecay;
  float stepSize;
  float sqrtC2;
};
void adamStep(const float* w, const float* g, const float* m, const float* v, std::size_t n,
              const AdamParams& p, float* wOut, float* mOut, float* vOut);

}  // namespace asc::kernels
