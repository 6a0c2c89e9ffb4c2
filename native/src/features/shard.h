// One cache shard: the segments of one clip under one feature configuration, as a
// 64-byte header plus float32 or float16 values (layout in native/lib/features/shard.ts,
// which reads and writes the same bytes without the addon).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "features/scalogram.h"

namespace asc::features {

enum class ShardDtype : std::uint32_t { kFloat32 = 1, kFloat16 = 2 };

constexpr std::size_t kShardHeaderBytes = 64;

// Bits of the header's flags word (bytes 44..47, zero in shards of complete files, so
// those stay byte-identical to shards written before the word existed).
constexpr std::uint32_t kShardSourceTruncated = 1;  // made from what a truncated file held

struct ShardInfo {
  ShardDtype dtype = ShardDtype::kFloat32;
  std::uint32_t segments = 0;
  std::uint32_t segmentFrames = 0;
  std::uint32_t bands = 0;
  std::uint32_t channels = 0;  // of the source audio (1 = mono: side plane is 0)
  std::uint32_t frames = 0;    // valid frames before padding
  std::uint32_t checksum = 0;  // CRC-32 of the payload
  std::uint32_t flags = 0;     // kShardSourceTruncated
  std::uint64_t payloadBytes = 0;
};

// Segments held elsewhere (the CUDA path's pinned output): `values` are float32, or
// IEEE half when valuesDtype is kFloat16, in the layout of Segments::values.
struct SegmentsView {
  const void* values = nullptr;
  ShardDtype valuesDtype = ShardDtype::kFloat32;
  std::size_t count = 0;
  std::size_t frames = 0;
  int segmentFrames = 0;
  int bands = 0;
};
SegmentsView viewOf(const Segments& segments);

// Header + payload bytes of a shard into `bytes` (float16 from float32: IEEE half, round
// to nearest even; half values are copied as they are). float32 from half values throws
// std::invalid_argument.
void encodeShard(const SegmentsView& segments, int channels, std::uint32_t flags, ShardDtype dtype,
                 ShardInfo* info, std::vector<std::uint8_t>& bytes);

// Writes bytes to `path` through a temporary file in the same directory (@asc/core's
// name scheme), fsync and a rename, so a reader sees the whole shard or none, even after
// a crash. Throws std::runtime_error.
void writeFileAtomically(const std::string& path, const std::vector<std::uint8_t>& bytes);

// Reads the shard at `path` and checks its header against `expected` (dtype, frames per
// segment, bands) and its payload against the checksum. Returns false when the file is
// missing, short, of another layout or corrupt; `info` then is unspecified. `scratch`
// holds the file's bytes.
bool verifyShard(const std::string& path, const ShardInfo& expected, ShardInfo* info,
                 std::vector<std::uint8_t>& scratch);

}  // namespace asc::features
