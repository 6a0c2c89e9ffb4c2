#include "features/checksum.h"

#include <array>
#include <cstdio>
#include <cstring>

namespace asc::features {

namespace {

// Slicing-by-8 tables: eight bytes per step keeps the checksum well under a millisecond
// per shard.
struct CrcTables {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  CrcTables() {
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};

const CrcTables& crcTables() {
  static const CrcTables tables;
  return tables;
}

inline std::uint32_t rotl(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
inline std::uint32_t fmix(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
inline std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);  // little-endian hosts only (x86-64, aarch64)
  return v;
}

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc) {
  const auto& t = crcTables().t;
  crc = ~crc;
  while (size >= 8) {
    const std::uint32_t a = load32(data) ^ crc;
    const std::uint32_t b = load32(data + 4);
    crc = t[7][a & 0xFF] ^ t[6][(a >> 8) & 0xFF] ^ t[5][(a >> 16) & 0xFF] ^ t[4][a >> 24] ^
          t[3][b & 0xFF] ^ t[2][(b >> 8) & 0xFF] ^ t[1][(b >> 16) & 0xFF] ^ t[0][b >> 24];
    data += 8;
    size -= 8;
  }
  while (size--) crc = t[0][(crc ^ *data++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void murmur3x86_128(const std::uint8_t* data, std::size_t size, std::uint32_t seed,
                    std::uint32_t out[4]) {
  const std::uint32_t c1 = 0x239b961b, c2 = 0xab0e9789, c3 = 0x38b34ae5, c4 = 0xa1e38b93;
  std::uint32_t h1 = seed, h2 = seed, h3 = seed, h4 = seed;
  const std::size_t blocks = size / 16;
  for (std::size_t i = 0; i < blocks; ++i) {
    const std::uint8_t* p = data + i * 16;
    std::uint32_t k1 = load32(p), k2 = load32(p + 4), k3 = load32(p + 8), k4 = load32(p + 12);
    k1 *= c1;
    k1 = rotl(k1, 15);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl(h1, 19);
    h1 += h2;
    h1 = h1 * 5 + 0x561ccd1b;
    k2 *= c2;
    k2 = rotl(k2, 16);
    k2 *= c3;
    h2 ^= k2;
    h2 = rotl(h2, 17);
    h2 += h3;
    h2 = h2 * 5 + 0x0bcaa747;
    k3 *= c3;
    k3 = rotl(k3, 17);
    k3 *= c4;
    h3 ^= k3;
    h3 = rotl(h3, 15);
    h3 += h4;
    h3 = h3 * 5 + 0x96cd1c35;
    k4 *= c4;
    k4 = rotl(k4, 18);
    k4 *= c1;
    h4 ^= k4;
    h4 = rotl(h4, 13);
    h4 += h1;
    h4 = h4 * 5 + 0x32ac3b17;
  }
  const std::uint8_t* tail = data + blocks * 16;
  const std::size_t rest = size & 15;
  std::uint32_t k[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < rest; ++i)
    k[i / 4] ^= static_cast<std::uint32_t>(tail[i]) << (8 * (i % 4));
  if (rest > 12) {
    k[3] *= c4;
    k[3] = rotl(k[3], 18);
    k[3] *= c1;
    h4 ^= k[3];
  }
  if (rest > 8) {
    k[2] *= c3;
    k[2] = rotl(k[2], 17);
    k[2] *= c4;
    h3 ^= k[2];
  }
  if (rest > 4) {
    k[1] *= c2;
    k[1] = rotl(k[1], 16);
    k[1] *= c3;
    h2 ^= k[1];
  }
  if (rest > 0) {
    k[0] *= c1;
    k[0] = rotl(k[0], 15);
    k[0] *= c2;
    h1 ^= k[0];
  }
  const std::uint32_t len = static_cast<std::uint32_t>(size);
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 += h2;
  h1 += h3;
  h1 += h4;
  h2 += h1;
  h3 += h1;
  h4 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 += h2;
  h1 += h3;
  h1 += h4;
  h2 += h1;
  h3 += h1;
  h4 += h1;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}

std::string contentHash(const std::uint8_t* data, std::size_t size) {
  std::uint32_t h[4];
  murmur3x86_128(data, size, 0, h);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", h[0], h[1], h[2], h[3]);
  return buf;
}

}  // namespace asc::features
