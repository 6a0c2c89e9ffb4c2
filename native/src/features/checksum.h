// Content hashes and checksums for the feature cache. Both are reproduced bit for bit by
// native/lib/features/hash.ts, so the cache is readable and writable without the addon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace asc::features {

// CRC-32 (zlib polynomial, as zlib.crc32 in Node); `crc` continues a running value.
std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);

// MurmurHash3_x86_128 (Appleby's reference; 32-bit arithmetic so JS computes it fast).
// Out: h1..h4.
void murmur3x86_128(const std::uint8_t* data, std::size_t size, std::uint32_t seed,
                    std::uint32_t out[4]);

// The cache's content key: murmur3x86_128 with seed 0 as 32 lowercase hex digits.
std::string contentHash(const std::uint8_t* data, std::size_t size);

}  // namespace asc::features
