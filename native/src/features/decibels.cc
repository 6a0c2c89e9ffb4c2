#include "features/decibels.h"

#include <cstdint>
#include <cstring>

namespace asc::features {

// x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1) / (m + 1),
// |s| < 0.172, by its odd series to s^9 (next term < 4e-10). Plain arithmetic and
// bit moves only, so the compiler vectorises the loop.
void toDecibels(float* values, std::size_t n) {
  const float kDbPerNat = 4.3429448190325175f;  // 10 / ln 10
  const float kLn2 = 0.69314718055994531f;
  for (std::size_t i = 0; i < n; ++i) {
    float x = values[i] < 1e-10f ? 1e-10f : values[i];
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    // Exponent relative to sqrt(1/2): subtracting 0x3f3504f3 puts m in [sqrt(.5), sqrt(2)).
    const std::int32_t e = static_cast<std::int32_t>(bits - 0x3f3504f3u) >> 23;
    const std::uint32_t mbits = bits - (static_cast<std::uint32_t>(e) << 23);
    float m;
    std::memcpy(&m, &mbits, 4);
    const float s = (m - 1.0f) / (m + 1.0f);
    const float s2 = s * s;
    const float lnm =
        2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9)))));
    values[i] = kDbPerNat * (static_cast<float>(e) * kLn2 + lnm);
  }
}

}  // namespace asc::features
