#include "audio/decode.h"

#include <fcntl.h>
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "audio/data_extent.h"

namespace asc::audio {

namespace {

// libsndfile keeps the error of a failed open in a process-wide variable: opens are
// serialised so that each failure reads its own error.
std::mutex& openMutex() {
  static std::mutex mutex;
  return mutex;
}

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using Sndfile = std::unique_ptr<SNDFILE, SndfileCloser>;

// A file held in memory, served to libsndfile through its virtual I/O.
struct MemoryFile {
  const std::uint8_t* data;
  sf_count_t size;
  sf_count_t pos = 0;
};

sf_count_t memLength(void* user) { return static_cast<MemoryFile*>(user)->size; }
sf_count_t memSeek(sf_count_t offset, int whence, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
  m->pos = std::clamp<sf_count_t>(base + offset, 0, m->size);
  return m->pos;
}
sf_count_t memRead(void* out, sf_count_t count, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t n = std::clamp<sf_count_t>(m->size - m->pos, 0, count);
  std::memcpy(out, m->data + m->pos, static_cast<std::size_t>(n));
  m->pos += n;
  return n;
}
sf_count_t memWrite(const void*, sf_count_t, void*) { return 0; }
sf_count_t memTell(void* user) { return static_cast<MemoryFile*>(user)->pos; }

AudioError openError() {
  // Called with openMutex() held.
  const int code = sf_error(nullptr);
  const std::string why = sf_error_number(code);
  switch (code) {
    case SF_ERR_UNRECOGNISED_FORMAT:
      return AudioError(AudioErrorCode::kUnrecognisedFormat,
                        "not an audio format libsndfile reads (" + why + ")");
    case SF_ERR_SYSTEM:
      return AudioError(AudioErrorCode::kIo, why);
    case SF_ERR_UNSUPPORTED_ENCODING:
      return AudioError(AudioErrorCode::kUnsupportedEncoding, why);
    default:
      // The other codes are libsndfile's private ones; "File contains data in an
      // unimplemented format." is the one that means an unsupported encoding.
      return AudioError(why.find("unimplemented") != std::string::npos
                            ? AudioErrorCode::kUnsupportedEncoding
                            : AudioErrorCode::kMalformed,
                        why);
  }
}

Sndfile openMemory(MemoryFile& file, SF_INFO& info) {
  static SF_VIRTUAL_IO io = {memLength, memSeek, memRead, memWrite, memTell};
  std::lock_guard<std::mutex> lock(openMutex());
  info = SF_INFO{};
  Sndfile f(sf_open_virtual(&io, SFM_READ, &info, &file));
  if (!f) throw openError();
  return f;
}

std::string lowerDashed(const char* name) {
  std::string s;
  for (const char* p = name; *p; ++p)
    s += *p == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  return s;
}

std::string containerName(SNDFILE* f, int format) {
  const int major = format & SF_FORMAT_TYPEMASK;
  switch (major) {
    case SF_FORMAT_WAV:
      return (format & SF_FORMAT_ENDMASK) == SF_ENDIAN_BIG ? "rifx" : "wav";
    case SF_FORMAT_WAVEX:
      return "wavex";
    case SF_FORMAT_RF64:
      return "rf64";
    case SF_FORMAT_W64:
      return "w64";
    case SF_FORMAT_AIFF:
      return "aiff";
    case SF_FORMAT_FLAC:
      return "flac";
    case SF_FORMAT_OGG:
      return "ogg";
    case SF_FORMAT_MPEG:
      return "mpeg";
    case SF_FORMAT_CAF:
      return "caf";
    case SF_FORMAT_AU:
      return "au";
    case SF_FORMAT_NIST:
      return "nist";  // its extension is "wav" too
    default: {
      SF_FORMAT_INFO info{};
      info.format = major;
      if (sf_command(f, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.extension)
        return info.extension;
      return "unknown";
    }
  }
}

std::string encodingName(SNDFILE* f, int format) {
  const int sub = format & SF_FORMAT_SUBMASK;
  switch (sub) {
    case SF_FORMAT_PCM_S8:
      return "pcm8";
    case SF_FORMAT_PCM_U8:
      return "pcm-u8";
    case SF_FORMAT_PCM_16:
      return "pcm16";
    case SF_FORMAT_PCM_24:
      return "pcm24";
    case SF_FORMAT_PCM_32:
      return "pcm32";
    case SF_FORMAT_FLOAT:
      return "float32";
    case SF_FORMAT_DOUBLE:
      return "float64";
    case SF_FORMAT_ULAW:
      return "mu-law";
    case SF_FORMAT_ALAW:
      return "a-law";
    case SF_FORMAT_IMA_ADPCM:
      return "ima-adpcm";
    case SF_FORMAT_MS_ADPCM:
      return "ms-adpcm";
    case SF_FORMAT_VORBIS:
      return "vorbis";
    case SF_FORMAT_OPUS:
      return "opus";
    case SF_FORMAT_MPEG_LAYER_I:
      return "mp1";
    case SF_FORMAT_MPEG_LAYER_II:
      return "mp2";
    case SF_FORMAT_MPEG_LAYER_III:
      return "mp3";
    default: {
      SF_FORMAT_INFO info{};
      info.format = sub;
      if (sf_command(f, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name)
        return lowerDashed(info.name);
      return "unknown";
    }
  }
}

std::string formatDescription(SNDFILE* f, int format) {
  SF_FORMAT_INFO major{};
  major.format = format & SF_FORMAT_TYPEMASK;
  SF_FORMAT_INFO sub{};
  sub.format = format & SF_FORMAT_SUBMASK;
  const bool haveMajor =
      sf_command(f, SFC_GET_FORMAT_INFO, &major, sizeof major) == 0 && major.name;
  const bool haveSub = sf_command(f, SFC_GET_FORMAT_INFO, &sub, sizeof sub) == 0 && sub.name;
  std::string s = haveMajor ? major.name : "unknown format";
  if ((format & SF_FORMAT_ENDMASK) == SF_ENDIAN_BIG &&
      (format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV)
    s += " big-endian (RIFX)";
  return haveSub ? s + ", " + sub.name : s;
}

// The header facts of an open file; `read` serves the file's bytes for the data-extent
// check.
SourceFormat describe(SNDFILE* f, const SF_INFO& info, const ReadAt& read,
                      std::uint64_t fileBytes) {
  SourceFormat s;
  s.container = containerName(f, info.format);
  s.encoding = encodingName(f, info.format);
  s.description = formatDescription(f, info.format);
  s.sampleRateHz = info.samplerate;
  s.channels = info.channels;
  // libsndfile says SF_COUNT_MAX when a stream (e.g. a cut Ogg file) does not state it.
  s.frames = info.frames == SF_COUNT_MAX ? -1 : static_cast<std::int64_t>(info.frames);
  if (const auto extent = declaredDataExtent(read, fileBytes);
      extent && extent->offset + extent->bytes > fileBytes) {
    const std::uint64_t held = fileBytes > extent->offset ? fileBytes - extent->offset : 0;
    s.truncated = true;
    s.truncation = "the data chunk declares " + std::to_string(extent->bytes) +
                   " bytes but the file holds " + std::to_string(held);
  }
  return s;
}

ReadAt memoryReader(const std::uint8_t* data, std::size_t size) {
  return [data, size](std::uint64_t offset, void* out, std::size_t n) -> std::size_t {
    if (offset >= size) return 0;
    const std::size_t k = std::min<std::uint64_t>(n, size - offset);
    std::memcpy(out, data + offset, k);
    return k;
  };
}

// Closes a file descriptor when it goes out of scope.
struct Fd {
  explicit Fd(int value) : fd(value) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int fd;
};

// What an MP3 may carry after its last frame (ID3v1, APE and Lyrics tags, padding)
// without its decoding being suspect: bytes, and a fraction of the file.
constexpr sf_count_t kMpegTailBytes = 4096;
constexpr double kMpegTailFraction = 0.02;

// Frames read from libsndfile (and fed to the resampler) at a time.
constexpr std::size_t kBlockFrames = 4096;

void checkFinite(const float* samples, std::size_t n, std::size_t firstFrame, int channel) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(samples[i])) {
      throw AudioError(AudioErrorCode::kNonFinite,
                       "sample " + std::to_string(firstFrame + i) + " of channel " +
                           std::to_string(channel + 1) + " is " +
                           (std::isnan(samples[i]) ? "NaN" : "infinite"));
    }
  }
}

}  // namespace

const char* audioErrorCodeName(AudioErrorCode code) {
  switch (code) {
    case AudioErrorCode::kIo:
      return "io";
    case AudioErrorCode::kUnrecognisedFormat:
      return "unrecognised-format";
    case AudioErrorCode::kMalformed:
      return "malformed";
    case AudioErrorCode::kUnsupportedEncoding:
      return "unsupported-encoding";
    case AudioErrorCode::kTruncated:
      return "truncated";
    case AudioErrorCode::kNonFinite:
      return "non-finite";
    case AudioErrorCode::kEmpty:
      return "empty";
    case AudioErrorCode::kChannels:
      return "channels";
    case AudioErrorCode::kResample:
      return "resample";
  }
  return "io";
}

std::vector<int> channelsToUse(int sourceChannels, const std::vector<int>& pick) {
  std::vector<int> used;
  if (sourceChannels <= 2) {
    for (int c = 0; c < sourceChannels; ++c) used.push_back(c);
    return used;
  }
  for (int c : pick) {
    if (c < 0 || c >= sourceChannels) {
      throw AudioError(AudioErrorCode::kChannels,
                       "the file has " + std::to_string(sourceChannels) + " channels; channel " +
                           std::to_string(c + 1) + " was asked for (--channels)");
    }
    used.push_back(c);
  }
  return used;
}

SourceFormat probeAudio(const std::uint8_t* data, std::size_t size) {
  MemoryFile file{data, static_cast<sf_count_t>(size)};
  SF_INFO info;
  Sndfile f = openMemory(file, info);
  return describe(f.get(), info, memoryReader(data, size), size);
}

SourceFormat probeAudioFile(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  const int raw = fd.fd;
  if (raw < 0)
    throw AudioError(AudioErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno));
  const off_t end = ::lseek(raw, 0, SEEK_END);
  if (end < 0)
    throw AudioError(AudioErrorCode::kIo, std::string("cannot seek: ") + std::strerror(errno));
  ::lseek(raw, 0, SEEK_SET);
  SF_INFO info{};
  Sndfile f;
  {
    std::lock_guard<std::mutex> lock(openMutex());
    // close_desc = false: `fd` closes it.
    f.reset(sf_open_fd(raw, SFM_READ, &info, SF_FALSE));
    if (!f) throw openError();
  }
  const ReadAt read = [raw](std::uint64_t offset, void* out, std::size_t n) -> std::size_t {
    const ssize_t got = ::pread(raw, out, n, static_cast<off_t>(offset));
    return got < 0 ? 0 : static_cast<std::size_t>(got);
  };
  SourceFormat s = describe(f.get(), info, read, static_cast<std::uint64_t>(end));
  if (s.frames < 0) {
    // Count what the stream holds (soxi does the same).
    std::vector<float> block(static_cast<std::size_t>(4096) * std::max(1, info.channels));
    std::int64_t frames = 0;
    for (sf_count_t got; (got = sf_readf_float(f.get(), block.data(), 4096)) > 0;) frames += got;
    s.frames = frames;
  }
  return s;
}

void AudioDecoder::decode(const std::uint8_t* data, std::size_t size, const DecodeOptions& options,
                          DecodedAudio& out) {
  MemoryFile file{data, static_cast<sf_count_t>(size)};
  SF_INFO info;
  Sndfile f = openMemory(file, info);
  out.source = describe(f.get(), info, memoryReader(data, size), size);
  const SourceFormat& src = out.source;
  if (src.channels < 1)
    throw AudioError(AudioErrorCode::kMalformed,
                     "the header says " + std::to_string(src.channels) + " channels");
  if (src.sampleRateHz < 1)
    throw AudioError(AudioErrorCode::kMalformed,
                     "the header says " + std::to_string(src.sampleRateHz) + " Hz");
  out.channelsUsed = channelsToUse(src.channels, options.channels);
  const std::size_t planes = out.channelsUsed.size();
  const bool resample = options.sampleRateHz > 0 && options.sampleRateHz != src.sampleRateHz;

  // Block by block: libsndfile's interleaved floats -> the planes asked for -> (checked
  // finite, for float encodings) the output planes, or the resampler.
  const std::size_t channels = static_cast<std::size_t>(src.channels);
  interleaved_.resize(kBlockFrames * channels);
  block_.resize(planes);
  std::vector<const float*> blockPlanes(planes);
  for (std::size_t c = 0; c < planes; ++c) {
    block_[c].resize(kBlockFrames);
    blockPlanes[c] = block_[c].data();
  }
  // Sized once for the frames the header states, within what the bytes could hold (a
  // broken header can state anything); grown if more come.
  const std::int64_t expected =
      std::min<std::int64_t>(src.frames, static_cast<std::int64_t>(8 * size + kBlockFrames));
  const auto resampling = [&](const auto& step) {
    try {
      step();
    } catch (const std::runtime_error& e) {
      throw AudioError(AudioErrorCode::kResample,
                       "resampling from " + std::to_string(src.sampleRateHz) + " Hz to " +
                           std::to_string(options.sampleRateHz) + " Hz: " + e.what());
    }
  };
  out.samples.resize(planes);
  if (resample) {
    resampling([&] {
      resampler_.start(src.sampleRateHz, options.sampleRateHz, planes, options.quality, expected,
                       out.samples);
    });
  } else {
    for (auto& plane : out.samples)
      plane.resize(expected > 0 ? static_cast<std::size_t>(expected) : kBlockFrames);
  }
  std::size_t frames = 0;
  for (;;) {
    const sf_count_t got =
        sf_readf_float(f.get(), interleaved_.data(), static_cast<sf_count_t>(kBlockFrames));
    if (got <= 0) break;
    const std::size_t n = static_cast<std::size_t>(got);
    for (std::size_t c = 0; c < planes; ++c) {
      float* dst = block_[c].data();
      if (!resample) {
        auto& plane = out.samples[c];
        if (plane.size() < frames + n) plane.resize(std::max(frames + n, plane.size() * 2));
        dst = plane.data() + frames;
      }
      const float* from = interleaved_.data() + out.channelsUsed[c];
      if (channels == 1) {
        std::memcpy(dst, from, n * sizeof(float));
      } else {
        for (std::size_t i = 0; i < n; ++i) dst[i] = from[i * channels];
      }
      if (src.isFloat()) checkFinite(dst, n, frames, out.channelsUsed[c]);
    }
    if (resample) resampling([&] { resampler_.push(blockPlanes.data(), n, out.samples); });
    frames += n;
  }
  const int streamError = sf_error(f.get());

  // libsndfile stops an MP3 at mpg123's length, which without a Xing/LAME header is an
  // estimate from the bitrate: for a VBR file that can be short of the end.
  const bool mpeg = src.container == "mpeg";
  const sf_count_t left = file.size - file.pos;
  if (mpeg && static_cast<std::int64_t>(frames) == src.frames && left > kMpegTailBytes &&
      static_cast<double>(left) > kMpegTailFraction * static_cast<double>(file.size)) {
    throw AudioError(
        AudioErrorCode::kUnsupportedEncoding,
        "libsndfile stopped this MP3 at its estimated length (" + std::to_string(frames) +
            " frames) with " + std::to_string(left) +
            " bytes left: a VBR stream without a Xing/LAME header; re-encode it or add the header");
  }
  // Truncated: the chunked containers by their declared data size; streams that state
  // their length (FLAC's STREAMINFO) by what decoded. An MP3's length is not a
  // declaration (a Xing header is optional, the estimate without one is rough).
  std::string truncation = src.truncation;
  if (truncation.empty() && !mpeg && src.frames >= 0 &&
      static_cast<std::int64_t>(frames) < src.frames) {
    truncation = "the header declares " + std::to_string(src.frames) +
                 " frames but the stream holds " + std::to_string(frames);
    if (streamError != SF_ERR_NO_ERROR)
      truncation += std::string(" (") + sf_error_number(streamError) + ")";
  }
  if (truncation.empty() && streamError != SF_ERR_NO_ERROR) {
    throw AudioError(AudioErrorCode::kMalformed, std::string("decoding stopped after ") +
                                                     std::to_string(frames) +
                                                     " frames: " + sf_error_number(streamError));
  }
  out.truncated = !truncation.empty();
  if (out.truncated && !options.allowTruncated) {
    throw AudioError(AudioErrorCode::kTruncated,
                     truncation + " (--allow-truncated keeps what is there)");
  }
  if (frames == 0) throw AudioError(AudioErrorCode::kEmpty, "the file holds no samples");

  out.channels = static_cast<int>(planes);
  if (resample) {
    resampling([&] { resampler_.finish(out.samples); });
    out.sampleRateHz = options.sampleRateHz;
    out.frames = out.samples[0].size();
  } else {
    for (auto& plane : out.samples) plane.resize(frames);
    out.sampleRateHz = src.sampleRateHz;
    out.frames = frames;
  }
}

std::string sndfileVersion() { return sf_version_string(); }

void readFileBytesInto(const std::string& path, std::vector<std::uint8_t>& bytes) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    throw AudioError(AudioErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno));
  if (std::fseek(file.get(), 0, SEEK_END) != 0)
    throw AudioError(AudioErrorCode::kIo, std::string("cannot seek: ") + std::strerror(errno));
  const long size = std::ftell(file.get());
  if (size < 0)
    throw AudioError(AudioErrorCode::kIo, std::string("cannot tell size: ") + std::strerror(errno));
  std::fseek(file.get(), 0, SEEK_SET);
  bytes.resize(static_cast<std::size_t>(size));
  const std::size_t n = std::fread(bytes.data(), 1, bytes.size(), file.get());
  bytes.resize(n);
  if (std::ferror(file.get()))
    throw AudioError(AudioErrorCode::kIo, std::string("read failed: ") + std::strerror(errno));
}

DecodedAudio decodeAudioFile(const std::string& path, const DecodeOptions& options) {
  std::vector<std::uint8_t> bytes;
  readFileBytesInto(path, bytes);
  AudioDecoder decoder;
  DecodedAudio audio;
  decoder.decode(bytes.data(), bytes.size(), options, audio);
  return audio;
}

}  // namespace asc::audio
