// Audio files to planar float samples: libsndfile decodes whatever it reads (WAV, RF64,
// Wave64, AIFF, FLAC, Ogg Vorbis/Opus, MP3, ...), libsoxr resamples to the configured
// rate. Plain C++: no N-API. This is the one decoding step of the feature pipeline
// (file bytes -> float planes + what the source was), so every compute path shares it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "audio/resample.h"

namespace asc::audio {

// Why a file could not be used; carried to JS as the error's `code`.
enum class AudioErrorCode {
  kIo,                   // the file could not be opened or read
  kUnrecognisedFormat,   // libsndfile does not know the format
  kMalformed,            // a known format with a broken header or stream
  kUnsupportedEncoding,  // a known container with an encoding libsndfile cannot decode
  kTruncated,            // the data ends before the header says
  kNonFinite,            // NaN or Inf samples (float encodings)
  kEmpty,                // no samples
  kChannels,             // --channels names a channel the file does not have
  kResample,             // libsoxr refused the conversion
};

// The stable string for each code, shared with the TS AudioError.
const char* audioErrorCodeName(AudioErrorCode code);

class AudioError : public std::runtime_error {
 public:
  AudioError(AudioErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  AudioErrorCode code() const { return code_; }

 private:
  AudioErrorCode code_;
};

// What a file's header says.
struct SourceFormat {
  std::string
      container;         // "wav", "wavex", "rifx", "rf64", "w64", "aiff", "flac", "ogg", "mp3", ...
  std::string encoding;  // "pcm16", "pcm-u8", "float32", "mu-law", "vorbis", "opus", "mp3", ...
  std::string
      description;  // libsndfile's names: "FLAC (Free Lossless Audio Codec), Signed 16 bit PCM"
  int sampleRateHz = 0;
  int channels = 0;
  // Sample frames the file holds (libsndfile's count; for a file whose data chunk runs
  // past its end, the frames that are there). -1 when the stream does not say.
  std::int64_t frames = -1;
  // The header declares more data than the file holds (found from the header alone for
  // the chunked containers; compressed streams only tell when decoded).
  bool truncated = false;
  std::string truncation;  // what was declared and what is there, when truncated
  bool isFloat() const { return encoding == "float32" || encoding == "float64"; }
  std::string format() const { return container + "/" + encoding; }
};

struct DecodeOptions {
  // The rate of the decoded planes; 0 keeps the file's own rate.
  int sampleRateHz = 48000;
  ResampleQuality quality = ResampleQuality::kHigh;
  // 0-based channels taken from files with more than two (one or two of them); mono and
  // stereo files are used as they are.
  std::vector<int> channels = {0, 1};
  // Keep what a truncated file holds instead of failing.
  bool allowTruncated = false;
};

struct DecodedAudio {
  SourceFormat source;
  bool truncated = false;         // and it was kept (allowTruncated)
  std::vector<int> channelsUsed;  // 0-based source channels, one per plane
  int sampleRateHz = 0;           // of the planes
  int channels = 0;               // planes: 1 (mono) or 2
  std::size_t frames = 0;         // samples per plane
  // channels x frames, planar; integer encodings in [-1, 1) exactly as libsndfile scales
  // them (x / 2^(bits-1)), so 48 kHz input gives the samples the old WAV parser gave.
  std::vector<std::vector<float>> samples;
};

// The 0-based source channels that become the planes: all of a mono or stereo file, the
// ones `pick` names of a file with more. Throws AudioError(kChannels) when `pick` names a
// channel the file does not have.
std::vector<int> channelsToUse(int sourceChannels, const std::vector<int>& pick);

// Reads the header of an in-memory file. Throws AudioError.
SourceFormat probeAudio(const std::uint8_t* data, std::size_t size);
// The same for a file on disk, reading only what the header needs. For streams that do
// not state their length (frames == -1 after libsndfile), the frames are counted.
SourceFormat probeAudioFile(const std::string& path);

// One per thread: decodes and resamples, keeping its buffers and resampler from clip to
// clip.
class AudioDecoder {
 public:
  // Decodes an in-memory file into `out` (whose planes keep their capacity). Throws
  // AudioError.
  void decode(const std::uint8_t* data, std::size_t size, const DecodeOptions& options,
              DecodedAudio& out);

 private:
  std::vector<float> interleaved_;         // one block as libsndfile gives it
  std::vector<std::vector<float>> block_;  // the block's planes, when resampling
  Resampler resampler_;
};

// libsndfile's version string ("libsndfile-1.2.0"), for bug reports.
std::string sndfileVersion();

// Reads a whole file into memory; throws AudioError(kIo) naming the OS error.
void readFileBytesInto(const std::string& path, std::vector<std::uint8_t>& bytes);

// Reads and decodes one file.
DecodedAudio decodeAudioFile(const std::string& path, const DecodeOptions& options);

}  // namespace asc::audio
