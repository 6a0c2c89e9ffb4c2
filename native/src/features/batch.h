// Feature extraction for many files on a pool of threads: read, hash, decode (and
// resample), compute, write the shard. Plain C++; the N-API binding schedules it and
// forwards the outcomes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audio/decode.h"
#include "features/config.h"
#include "features/shard.h"

namespace asc::features {

enum class ClipStatus { kExtracted, kReused, kFailed, kCancelled };

struct ClipOutcome {
  std::size_t index = 0;  // position in the input list
  ClipStatus status = ClipStatus::kFailed;
  std::string audioHash;  // content hash of the audio file's bytes
  std::uint64_t audioBytes = 0;
  std::string shardFile;  // file name inside the shard directory
  ShardInfo shard;
  bool repaired = false;          // a shard for this content existed but failed verification
  audio::SourceFormat source;     // what the file's header says (reused clips too)
  std::vector<int> channelsUsed;  // 0-based source channels in the planes
  bool truncated = false;         // the features are of what a truncated file held
  std::string errorCode;          // AudioError code name, or "io", "cuda"
  std::string error;
  double seconds = 0;
  std::string
      device;  // what computed the segments: "cpu", "cuda" or "emulated" (empty when reused)
};

struct BatchOptions {
  ScalogramConfig config;
  // Its sampleRateHz must be config.sampleRateHz.
  audio::DecodeOptions decode;
  std::string shardDir;  // existing directory; shards are named <audioHash>.<dtype>.seg
  ShardDtype dtype = ShardDtype::kFloat32;
  unsigned threads = 1;
};

// The file name of the shard for a content hash.
std::string shardFileName(const std::string& audioHash, ShardDtype dtype);

// Processes every path; a file whose shard already exists and verifies is "reused"
// without computing. `onOutcome` runs on worker threads, once per file, as each
// finishes. When `cancel` becomes true no new file starts; the unstarted ones are
// reported as kCancelled. Never throws for a bad file: the outcome carries the error.
void runBatch(const std::vector<std::string>& paths, const BatchOptions& options,
              const std::atomic<bool>& cancel, const std::function<void(ClipOutcome&&)>& onOutcome);

// The steps of one file that every batch shares (the CPU one above and the CUDA one in
// native/cuda/features/device_batch.h), on per-thread buffers.
struct ClipBuffers {
  audio::AudioDecoder decoder;
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> shard;
  audio::DecodedAudio audio;
};

// Reads and hashes `path`; with a valid shard for its content sets out.status = kReused
// and returns false; else decodes (and resamples) the audio into buffers.audio and
// returns true: the clip must be computed. Failures go into `out` (false).
bool loadClip(const std::string& path, const BatchOptions& options, int bands, ClipBuffers& buffers,
              ClipOutcome& out);

// Encodes and writes the shard of a clip's computed segments (`channels`: its decoded
// planes; `out` as loadClip left it), sets `out` (kExtracted, or kFailed with the error).
// Uses only buffers.shard. Returns whether it succeeded.
bool storeClip(const SegmentsView& segments, int channels, const BatchOptions& options,
               ClipBuffers& buffers, ClipOutcome& out);

// Reads, decodes and computes one clip (no cache); `audio` receives the decoded clip.
// Throws AudioError / std::exception.
Segments computeClipSegments(const std::string& path, const ScalogramConfig& config,
                             const audio::DecodeOptions& decode, audio::DecodedAudio* audio);

}  // namespace asc::features
