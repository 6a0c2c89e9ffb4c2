#include "features/shard.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#if defined(__F16C__)
#include <immintrin.h>
#endif

#include "audio/decode.h"
#include "features/checksum.h"

namespace asc::features {

namespace {

constexpr char kMagic[8] = {'A', 'S', 'C', 'S', 'E', 'G', '0', '1'};

void put32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); }
void put64(std::uint8_t* p, std::uint64_t v) { std::memcpy(p, &v, 8); }
std::uint32_t get32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint64_t get64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

std::uint16_t floatToHalf(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t absx = x & 0x7FFFFFFFu;
  if (absx >= 0x7F800000u)
    return static_cast<std::uint16_t>(sign | 0x7C00u | (absx > 0x7F800000u ? 0x200u : 0));
  if (absx >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds to inf
  if (absx < 0x38800000u) {  // subnormal half or zero
    if (absx < 0x33000000u) return static_cast<std::uint16_t>(sign);
    const std::uint32_t e = absx >> 23;
    const std::uint32_t m = (absx & 0x7FFFFFu) | 0x800000u;
    const std::uint32_t shift = 126 - e;  // 14 + (113 - e) - 1
    const std::uint32_t half = m >> shift;
    const std::uint32_t rem = m & ((1u << shift) - 1);
    const std::uint32_t mid = 1u << (shift - 1);
    const std::uint32_t rounded = half + (rem > mid || (rem == mid && (half & 1)));
    return static_cast<std::uint16_t>(sign | rounded);
  }
  const std::uint32_t biased = absx - 0x38000000u;  // rebias exponent 127 -> 15
  std::uint32_t h = biased >> 13;
  const std::uint32_t rem = biased & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

void toHalf(const float* in, std::size_t n, std::uint8_t* out) {
  std::size_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i), h);
  }
#endif
  for (; i < n; ++i) {
    const std::uint16_t h = floatToHalf(in[i]);
    std::memcpy(out + 2 * i, &h, 2);
  }
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

}  // namespace

SegmentsView viewOf(const Segments& segments) {
  SegmentsView view;
  view.values = segments.values.data();
  view.count = segments.count;
  view.frames = segments.frames;
  view.segmentFrames = segments.segmentFrames;
  view.bands = segments.bands;
  return view;
}

void encodeShard(const SegmentsView& seg, int channels, std::uint32_t flags, ShardDtype dtype,
                 ShardInfo* info, std::vector<std::uint8_t>& bytes) {
  if (seg.valuesDtype == ShardDtype::kFloat16 && dtype != ShardDtype::kFloat16) {
    throw std::invalid_argument("encodeShard: float32 shard from float16 values");
  }
  const std::size_t values =
      seg.count * static_cast<std::size_t>(seg.segmentFrames) * seg.bands * 2;
  const std::size_t bytesPer = dtype == ShardDtype::kFloat16 ? 2 : 4;
  bytes.resize(kShardHeaderBytes + values * bytesPer);
  std::memset(bytes.data(), 0, kShardHeaderBytes);
  std::uint8_t* payload = bytes.data() + kShardHeaderBytes;
  if (dtype == seg.valuesDtype) {
    std::memcpy(payload, seg.values, values * bytesPer);
  } else {
    toHalf(static_cast<const float*>(seg.values), values, payload);
  }
  ShardInfo s;
  s.dtype = dtype;
  s.segments = static_cast<std::uint32_t>(seg.count);
  s.segmentFrames = static_cast<std::uint32_t>(seg.segmentFrames);
  s.bands = static_cast<std::uint32_t>(seg.bands);
  s.channels = static_cast<std::uint32_t>(channels);
  s.frames = static_cast<std::uint32_t>(seg.frames);
  s.flags = flags;
  s.payloadBytes = values * bytesPer;
  s.checksum = crc32(payload, s.payloadBytes);
  std::uint8_t* h = bytes.data();
  std::memcpy(h, kMagic, 8);
  put32(h + 8, kShardHeaderBytes);
  put32(h + 12, static_cast<std::uint32_t>(dtype));
  put32(h + 16, s.segments);
  put32(h + 20, s.segmentFrames);
  put32(h + 24, s.bands);
  put32(h + 28, 2);
  put32(h + 32, s.channels);
  put32(h + 36, s.frames);
  put32(h + 40, s.checksum);
  put32(h + 44, s.flags);
  put64(h + 48, s.payloadBytes);
  if (info) *info = s;
}

void writeFileAtomically(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  // The temporary-name scheme of @asc/core's atomicTempPath (`.<name>.<pid>.<n>.tmp`
  // beside the target), so that the TypeScript side recognises and sweeps what a killed
  // build left, and the same steps: write, fsync, rename, fsync of the folder.
  static std::atomic<unsigned> counter{0};
  const std::size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string tmp = dir + "/." + name + "." + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1) + 1) + ".tmp";
  {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(tmp.c_str(), "wb"));
    if (!f) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f.get()) == bytes.size() &&
                    std::fflush(f.get()) == 0 && ::fsync(::fileno(f.get())) == 0;
    const bool closed = std::fclose(f.release()) == 0;
    if (!ok || !closed) {
      const std::string why = std::strerror(errno);
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + why);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + why);
  }
  const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
}

bool verifyShard(const std::string& path, const ShardInfo& expected, ShardInfo* info,
                 std::vector<std::uint8_t>& bytes) {
  try {
    audio::readFileBytesInto(path, bytes);
  } catch (const audio::AudioError&) {
    return false;
  }
  if (bytes.size() < kShardHeaderBytes || std::memcmp(bytes.data(), kMagic, 8) != 0) return false;
  const std::uint8_t* h = bytes.data();
  ShardInfo s;
  s.dtype = static_cast<ShardDtype>(get32(h + 12));
  s.segments = get32(h + 16);
  s.segmentFrames = get32(h + 20);
  s.bands = get32(h + 24);
  s.channels = get32(h + 32);
  s.frames = get32(h + 36);
  s.checksum = get32(h + 40);
  s.flags = get32(h + 44);
  s.payloadBytes = get64(h + 48);
  if (get32(h + 8) != kShardHeaderBytes || s.dtype != expected.dtype ||
      s.segmentFrames != expected.segmentFrames || s.bands != expected.bands || get32(h + 28) != 2)
    return false;
  const std::size_t bytesPer = s.dtype == ShardDtype::kFloat16 ? 2 : 4;
  if (s.payloadBytes != bytes.size() - kShardHeaderBytes ||
      s.payloadBytes != std::uint64_t(s.segments) * s.segmentFrames * s.bands * 2 * bytesPer)
    return false;
  if (crc32(h + kShardHeaderBytes, s.payloadBytes) != s.checksum) return false;
  if (info) *info = s;
  return true;
}

}  // namespace asc::features
