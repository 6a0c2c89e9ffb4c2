#include "features/wav.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

namespace asc::features {

namespace {

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatFloat = 3;
constexpr std::uint16_t kFormatAlaw = 6;
constexpr std::uint16_t kFormatMulaw = 7;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

std::uint16_t u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

struct Format {
  std::uint16_t tag = 0;
  bool extensible = false;
  int channels = 0;
  std::uint32_t sampleRateHz = 0;
  int blockAlign = 0;
  int bitsPerSample = 0;
};

Format parseFmt(const std::uint8_t* p, std::size_t size) {
  if (size < 16)
    throw WavError(WavErrorCode::kNotRiffWave,
                   "fmt chunk is " + std::to_string(size) + " bytes, expected at least 16");
  Format f;
  f.tag = u16(p);
  f.channels = u16(p + 2);
  f.sampleRateHz = u32(p + 4);
  f.blockAlign = u16(p + 12);
  f.bitsPerSample = u16(p + 14);
  if (f.tag == kFormatExtensible) {
    // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16): the GUID's first two
    // bytes are the real format tag.
    if (size < 40)
      throw WavError(WavErrorCode::kNotRiffWave, "WAVE_FORMAT_EXTENSIBLE fmt chunk is " +
                                                     std::to_string(size) + " bytes, expected 40");
    f.extensible = true;
    f.tag = u16(p + 24);
  }
  return f;
}

std::string tagName(std::uint16_t tag) {
  switch (tag) {
    case kFormatAlaw:
      return "A-law";
    case kFormatMulaw:
      return "mu-law";
    case 2:
      return "MS ADPCM";
    case 0x11:
      return "IMA ADPCM";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "format tag 0x%04x", tag);
      return buf;
    }
  }
}

// Converts interleaved samples to planar floats; the channel count is a template
// argument so the inner loop has no per-sample indirection.
template <int Channels, int Bytes, typename Convert>
void deinterleaveFixed(const std::uint8_t* data, std::size_t frames, Convert convert,
                       WavAudio& out) {
  float* dst[Channels];
  for (int c = 0; c < Channels; ++c) {
    out.samples[c].resize(frames);
    dst[c] = out.samples[c].data();
  }
  for (std::size_t i = 0; i < frames; ++i) {
    const std::uint8_t* frame = data + i * (Channels * Bytes);
    for (int c = 0; c < Channels; ++c) dst[c][i] = convert(frame + c * Bytes);
  }
}

template <int Bytes, typename Convert>
void deinterleave(const std::uint8_t* data, std::size_t frames, int channels, Convert convert,
                  WavAudio& out) {
  if (channels == 1) {
    deinterleaveFixed<1, Bytes>(data, frames, convert, out);
  } else {
    deinterleaveFixed<2, Bytes>(data, frames, convert, out);
  }
}

}  // namespace

const char* wavErrorCodeName(WavErrorCode code) {
  switch (code) {
    case WavErrorCode::kIo:
      return "io";
    case WavErrorCode::kNotRiffWave:
      return "not-riff-wave";
    case WavErrorCode::kTruncated:
      return "truncated";
    case WavErrorCode::kUnsupportedEncoding:
      return "unsupported-encoding";
    case WavErrorCode::kSampleRate:
      return "sample-rate";
    case WavErrorCode::kNonFinite:
      return "non-finite";
    case WavErrorCode::kEmpty:
      return "empty";
  }
  return "io";
}

WavAudio decodeWav(const std::uint8_t* data, std::size_t size) {
  WavAudio out;
  decodeWavInto(data, size, out);
  return out;
}

void decodeWavInto(const std::uint8_t* data, std::size_t size, WavAudio& out) {
  if (size < 12 || std::memcmp(data, "RIFF", 4) != 0 || std::memcmp(data + 8, "WAVE", 4) != 0) {
    throw WavError(WavErrorCode::kNotRiffWave, "not a RIFF/WAVE file");
  }
  const std::uint8_t* fmt = nullptr;
  std::size_t fmtSize = 0;
  const std::uint8_t* body = nullptr;
  std::size_t bodySize = 0;
  bool bodyTruncated = false;
  // The RIFF size field is often wrong in the wild; the file size bounds the walk.
  std::size_t pos = 12;
  while (pos + 8 <= size) {
    const std::uint8_t* id = data + pos;
    const std::size_t chunkSize = u32(data + pos + 4);
    const std::size_t start = pos + 8;
    const bool fits = chunkSize <= size - start;
    if (std::memcmp(id, "fmt ", 4) == 0) {
      if (!fits)
        throw WavError(WavErrorCode::kTruncated, "fmt chunk runs past the end of the file");
      fmt = data + start;
      fmtSize = chunkSize;
    } else if (std::memcmp(id, "data", 4) == 0) {
      body = data + start;
      bodySize = fits ? chunkSize : size - start;
      bodyTruncated = !fits;
    }
    if (!fits) break;
    pos = start + chunkSize + (chunkSize & 1);  // odd-sized chunks carry a pad byte
  }
  if (!fmt) throw WavError(WavErrorCode::kNotRiffWave, "no fmt chunk");
  if (!body) throw WavError(WavErrorCode::kNotRiffWave, "no data chunk");
  const Format f = parseFmt(fmt, fmtSize);
  if (bodyTruncated) {
    throw WavError(WavErrorCode::kTruncated,
                   "data chunk declares " + std::to_string(u32(body - 4)) +
                       " bytes but the file holds " + std::to_string(bodySize));
  }
  if (f.tag != kFormatPcm && f.tag != kFormatFloat) {
    throw WavError(WavErrorCode::kUnsupportedEncoding,
                   "unsupported encoding " + tagName(f.tag) +
                       " (supported: PCM 16/24/32-bit, IEEE float 32/64-bit)");
  }
  const int bits = f.bitsPerSample;
  const bool pcmOk = f.tag == kFormatPcm && (bits == 16 || bits == 24 || bits == 32);
  const bool floatOk = f.tag == kFormatFloat && (bits == 32 || bits == 64);
  if (!pcmOk && !floatOk) {
    throw WavError(WavErrorCode::kUnsupportedEncoding,
                   std::string("unsupported ") + (f.tag == kFormatPcm ? "PCM" : "IEEE float") +
                       " sample size " + std::to_string(bits) + " bits");
  }
  if (f.channels < 1 || f.channels > 2) {
    throw WavError(WavErrorCode::kUnsupportedEncoding,
                   std::to_string(f.channels) + " channels (only mono and stereo are supported)");
  }
  const int bytes = bits / 8;
  if (f.blockAlign != bytes * f.channels) {
    throw WavError(WavErrorCode::kUnsupportedEncoding,
                   "block align " + std::to_string(f.blockAlign) + " does not match " +
                       std::to_string(f.channels) + " x " + std::to_string(bits) + "-bit samples");
  }
  if (f.sampleRateHz == 0 || f.sampleRateHz > 0x7FFFFFFFu) {
    throw WavError(WavErrorCode::kNotRiffWave,
                   "sample rate " + std::to_string(f.sampleRateHz) + " Hz is not valid");
  }
  if (bodySize % f.blockAlign != 0) {
    throw WavError(WavErrorCode::kTruncated, "data chunk of " + std::to_string(bodySize) +
                                                 " bytes is not a whole number of " +
                                                 std::to_string(f.blockAlign) + "-byte frames");
  }
  const std::size_t frames = bodySize / f.blockAlign;
  if (frames == 0) throw WavError(WavErrorCode::kEmpty, "the data chunk holds no samples");

  out.sampleRateHz = static_cast<int>(f.sampleRateHz);
  out.channels = f.channels;
  out.frames = frames;
  out.samples.resize(f.channels);
  switch (f.tag == kFormatFloat ? -bits : bits) {
    case 16:
      out.encoding = "pcm16";
      deinterleave<2>(
          body, frames, f.channels,
          [](const std::uint8_t* p) {
            return static_cast<float>(static_cast<std::int16_t>(u16(p))) * (1.0f / 32768.0f);
          },
          out);
      break;
    case 24:
      out.encoding = "pcm24";
      deinterleave<3>(
          body, frames, f.channels,
          [](const std::uint8_t* p) {
            // Sign-extend by placing the 24 bits at the top of an int32.
            const std::int32_t v =
                static_cast<std::int32_t>((static_cast<std::uint32_t>(p[0]) << 8) |
                                          (static_cast<std::uint32_t>(p[1]) << 16) |
                                          (static_cast<std::uint32_t>(p[2]) << 24)) >>
                8;
            return static_cast<float>(v) * (1.0f / 8388608.0f);
          },
          out);
      break;
    case 32:
      out.encoding = "pcm32";
      deinterleave<4>(
          body, frames, f.channels,
          [](const std::uint8_t* p) {
            return static_cast<float>(static_cast<double>(static_cast<std::int32_t>(u32(p))) *
                                      (1.0 / 2147483648.0));
          },
          out);
      break;
    case -32:
      out.encoding = "float32";
      deinterleave<4>(
          body, frames, f.channels,
          [](const std::uint8_t* p) {
            float v;
            std::memcpy(&v, p, 4);
            return v;
          },
          out);
      break;
    default:
      out.encoding = "float64";
      deinterleave<8>(
          body, frames, f.channels,
          [](const std::uint8_t* p) {
            double v;
            std::memcpy(&v, p, 8);
            return static_cast<float>(v);
          },
          out);
      break;
  }
  if (f.extensible) out.encoding += "-extensible";
  if (f.tag == kFormatFloat) {
    for (int c = 0; c < f.channels; ++c) {
      const auto& ch = out.samples[c];
      for (std::size_t i = 0; i < frames; ++i) {
        if (!std::isfinite(ch[i])) {
          throw WavError(WavErrorCode::kNonFinite, "sample " + std::to_string(i) + " of channel " +
                                                       std::to_string(c) + " is " +
                                                       (std::isnan(ch[i]) ? "NaN" : "infinite"));
        }
      }
    }
  }
}

std::vector<std::uint8_t> readFileBytes(const std::string& path) {
  std::vector<std::uint8_t> bytes;
  readFileBytesInto(path, bytes);
  return bytes;
}

void readFileBytesInto(const std::string& path, std::vector<std::uint8_t>& bytes) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw WavError(WavErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno));
  if (std::fseek(file.get(), 0, SEEK_END) != 0)
    throw WavError(WavErrorCode::kIo, std::string("cannot seek: ") + std::strerror(errno));
  const long size = std::ftell(file.get());
  if (size < 0)
    throw WavError(WavErrorCode::kIo, std::string("cannot tell size: ") + std::strerror(errno));
  std::fseek(file.get(), 0, SEEK_SET);
  bytes.resize(static_cast<std::size_t>(size));
  const std::size_t n = std::fread(bytes.data(), 1, bytes.size(), file.get());
  bytes.resize(n);
  if (std::ferror(file.get()))
    throw WavError(WavErrorCode::kIo, std::string("read failed: ") + std::strerror(errno));
}

}  // namespace asc::features
