// Element functions written so that GCC vectorises the loops that call them (no libm
// calls, no branches): exp by range reduction and a polynomial, accurate to ~2 ulp.
// ASC_HD: the GPU kernels (native/cuda/train) compute the same values.
#pragma once

#include <cstdint>

#include "cuda/common/hd.h"

namespace asc::kernels {

ASC_HD float expApprox(float x) {
  // Clamped as std::min(std::max(x, -87), 88) (NaN stays NaN), with conditionals that
  // compile on the device too.
  x = x < -87.0f ? -87.0f : x;
  x = 88.0f < x ? 88.0f : x;
  // Round to nearest with the 1.5 * 2^23 trick: vectorises without -ffast-math.
  const float kRound = 12582912.0f;
  const float n = (x * 1.44269504088896341f + kRound) - kRound;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
  return p * bitsFloat(static_cast<std::uint32_t>(bits));
}

ASC_HD float sigmoidApprox(float x) { return 1.0f / (1.0f + expApprox(-x)); }

}  // namespace asc::kernels
