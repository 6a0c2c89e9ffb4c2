// WAV (RIFF/WAVE) decoding to planar float samples. Plain C++: no N-API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace asc::features {

// Why a file could not be used; carried to JS as the error's `code`.
enum class WavErrorCode {
  kIo,                   // the file could not be opened or read
  kNotRiffWave,          // no RIFF/WAVE header, or no fmt/data chunk
  kTruncated,            // a chunk (usually data) runs past the end of the file
  kUnsupportedEncoding,  // 8-bit, A-law, mu-law, ADPCM, > 2 channels, odd sizes
  kSampleRate,           // not the configured sample rate
  kNonFinite,            // NaN or Inf samples (float encodings)
  kEmpty,                // no samples
};

// The stable string for each code, shared with the TS WavError.
const char* wavErrorCodeName(WavErrorCode code);

class WavError : public std::runtime_error {
 public:
  WavError(WavErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  WavErrorCode code() const { return code_; }

 private:
  WavErrorCode code_;
};

struct WavAudio {
  int sampleRateHz = 0;
  int channels = 0;
  std::size_t frames = 0;  // samples per channel
  // e.g. "pcm16", "pcm24", "pcm32", "float32", "float64" (plus "-extensible")
  std::string encoding;
  // channels x frames, planar, in [-1, 1] for integer encodings
  std::vector<std::vector<float>> samples;
};

// Decodes a whole WAV file held in memory. Chunks may come in any order; unknown chunks
// are skipped; odd-sized chunks are followed by one pad byte. Throws WavError.
WavAudio decodeWav(const std::uint8_t* data, std::size_t size);

// The same into `out`, whose sample buffers keep their capacity from clip to clip.
void decodeWavInto(const std::uint8_t* data, std::size_t size, WavAudio& out);

// Reads a whole file into memory; throws WavError(kIo) naming the OS error.
std::vector<std::uint8_t> readFileBytes(const std::string& path);
void readFileBytesInto(const std::string& path, std::vector<std::uint8_t>& bytes);

}  // namespace asc::features
