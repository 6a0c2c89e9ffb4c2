// Batch normalisation over channels-last rows, fused with its activation, in inference
// and in training (batch moments), and its gradient; loops written to vectorise, split
// across asc::kernelPool() into parts that do not depend on the thread count.
#pragma once

#include <cstddef>

#include "kernels/activation.h"

namespace asc::kernels {

// The activations batch normalisation fuses (and differentiates). The binding refuses
// others and exports these with their codes, so the TypeScript side copies no list.
inline constexpr Activation kBatchNormActivations[] = {Activation::Linear, Activation::Relu,
                                                       Activation::Relu6, Activation::Swish};

// Batch normalisation over rows of `channels` values: out = act(offset + (x - mean) *
// scale / sqrt(variance + epsilon)), each parameter of length `channels` or 1; offset and
// scale may be null (0 and 1). `act` is one of kBatchNormActivations.
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

}  // namespace asc::kernels
