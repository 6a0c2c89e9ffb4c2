// Where the header of a chunked container says its sample data lies. libsndfile clamps
// a data chunk that runs past the end of the file to what is there (logging it for some
// containers, silently for Wave64) and exposes no declared length, so this is how a
// truncated file is told apart from a complete one. Chunk headers only: no format
// fields, no samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

namespace asc::audio {

struct DataExtent {
  std::uint64_t offset = 0;  // of the first sample byte
  std::uint64_t bytes = 0;   // as declared
};

// Reads up to `n` bytes at `offset` into `out`; returns how many it read.
using ReadAt = std::function<std::size_t(std::uint64_t offset, void* out, std::size_t n)>;

// The declared extent of the sample data of a RIFF/RIFX WAVE, RF64/BW64, Wave64 or
// AIFF/AIFC file of `fileBytes` bytes; nullopt for other formats, for a header that
// leaves the length open (0 or 0xFFFFFFFF, as streaming writers leave it) and for
// headers too broken to walk (libsndfile then says what is wrong).
std::optional<DataExtent> declaredDataExtent(const ReadAt& read, std::uint64_t fileBytes);

}  // namespace asc::audio
