#include "audio/data_extent.h"

#include <cstring>

namespace asc::audio {

namespace {

// A corrupt header could make the walk long; real files have a handful of chunks.
constexpr int kMaxChunks = 4096;

std::uint32_t u32le(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint32_t u32be(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | static_cast<std::uint32_t>(p[3]);
}
std::uint64_t u64le(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(u32le(p)) | (static_cast<std::uint64_t>(u32le(p + 4)) << 32);
}
bool is(const std::uint8_t* p, const char* id) { return std::memcmp(p, id, 4) == 0; }

// RIFF/RIFX WAVE and RF64/BW64 (whose 'ds64' chunk holds the 64-bit data size).
std::optional<DataExtent> walkRiff(const ReadAt& read, std::uint64_t fileBytes, bool bigEndian,
                                   bool rf64) {
  std::optional<std::uint64_t> ds64DataBytes;
  std::uint64_t pos = 12;
  std::uint8_t head[24];
  for (int i = 0; i < kMaxChunks && pos + 8 <= fileBytes; ++i) {
    if (read(pos, head, 8) != 8) return std::nullopt;
    const std::uint32_t size = bigEndian ? u32be(head + 4) : u32le(head + 4);
    if (rf64 && is(head, "ds64") && size >= 16) {
      if (read(pos + 8, head + 8, 16) != 16) return std::nullopt;
      ds64DataBytes = u64le(head + 16);
    } else if (is(head, "data")) {
      if (size != 0xFFFFFFFFu) return DataExtent{pos + 8, size};
      if (rf64 && ds64DataBytes) return DataExtent{pos + 8, *ds64DataBytes};
      return std::nullopt;
    }
    pos += 8 + static_cast<std::uint64_t>(size) + (size & 1);
  }
  return std::nullopt;
}

// Sony Wave64: 16-byte GUID ids, 64-bit sizes that count the 24-byte chunk header,
// chunks aligned to 8 bytes.
const std::uint8_t kW64Riff[16] = {'r',  'i',  'f',  'f',  0x2E, 0x91, 0xCF, 0x11,
                                   0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00};
const std::uint8_t kW64Data[16] = {'d',  'a',  't',  'a',  0xF3, 0xAC, 0xD3, 0x11,
                                   0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A};

std::optional<DataExtent> walkW64(const ReadAt& read, std::uint64_t fileBytes) {
  std::uint64_t pos = 40;  // riff GUID, size, wave GUID
  std::uint8_t head[24];
  for (int i = 0; i < kMaxChunks && pos + 24 <= fileBytes; ++i) {
    if (read(pos, head, 24) != 24) return std::nullopt;
    const std::uint64_t size = u64le(head + 16);
    if (size < 24) return std::nullopt;
    if (std::memcmp(head, kW64Data, 16) == 0) return DataExtent{pos + 24, size - 24};
    pos += (size + 7) & ~std::uint64_t{7};
  }
  return std::nullopt;
}

// AIFF/AIFC: the 'SSND' chunk starts with an offset and a block size before the samples.
std::optional<DataExtent> walkAiff(const ReadAt& read, std::uint64_t fileBytes) {
  std::uint64_t pos = 12;
  std::uint8_t head[16];
  for (int i = 0; i < kMaxChunks && pos + 8 <= fileBytes; ++i) {
    if (read(pos, head, 8) != 8) return std::nullopt;
    const std::uint32_t size = u32be(head + 4);
    if (is(head, "SSND")) {
      if (size < 8 || read(pos + 8, head + 8, 8) != 8) return std::nullopt;
      const std::uint32_t offset = u32be(head + 8);
      if (offset > size - 8) return std::nullopt;
      return DataExtent{pos + 16 + offset, static_cast<std::uint64_t>(size) - 8 - offset};
    }
    pos += 8 + static_cast<std::uint64_t>(size) + (size & 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<DataExtent> declaredDataExtent(const ReadAt& read, std::uint64_t fileBytes) {
  std::uint8_t head[16];
  if (fileBytes < 16 || read(0, head, 16) != 16) return std::nullopt;
  if (is(head + 8, "WAVE")) {
    if (is(head, "RIFF")) return walkRiff(read, fileBytes, false, false);
    if (is(head, "RIFX")) return walkRiff(read, fileBytes, true, false);
    if (is(head, "RF64") || is(head, "BW64")) return walkRiff(read, fileBytes, false, true);
  }
  if (is(head, "FORM") && (is(head + 8, "AIFF") || is(head + 8, "AIFC")))
    return walkAiff(read, fileBytes);
  if (std::memcmp(head, kW64Riff, 16) == 0) return walkW64(read, fileBytes);
  return std::nullopt;
}

}  // namespace asc::audio
