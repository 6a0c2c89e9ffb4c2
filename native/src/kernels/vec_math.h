// Element functions written so that GCC vectorises the loops that call them (no libm
// calls, no branches): exp by range reduction and a polynomial, accurate to ~2 ulp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace asc::kernels {

inline float expApprox(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
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
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoidApprox(float x) { return 1.0f / (1.0f + expApprox(-x)); }

}  // namespace asc::kernels
