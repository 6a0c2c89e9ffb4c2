#include "features/batch.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "common/thread_pool.h"
#include "features/checksum.h"
#include "features/scalogram.h"

namespace asc::features {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `step`, turning its exceptions into a failed outcome.
template <typename Step>
bool guarded(ClipOutcome& out, Step&& step) {
  try {
    step();
    return true;
  } catch (const audio::AudioError& e) {
    out.status = ClipStatus::kFailed;
    out.errorCode = audio::audioErrorCodeName(e.code());
    out.error = e.what();
  } catch (const std::exception& e) {
    out.status = ClipStatus::kFailed;
    out.errorCode = "io";
    out.error = e.what();
  }
  return false;
}

// Per-thread state: buffers keep their capacity from file to file.
struct Worker {
  explicit Worker(const ScalogramConfig& config) : extractor(config) {}
  ScalogramExtractor extractor;
  ClipBuffers buffers;
  Segments segments;
};

ClipOutcome processOne(const std::string& path, const BatchOptions& options, Worker& w) {
  const auto t0 = std::chrono::steady_clock::now();
  ClipOutcome out;
  if (loadClip(path, options, w.extractor.bands(), w.buffers, out) &&
      guarded(out, [&] { w.extractor.computeSegments(w.buffers.audio, w.segments); })) {
    out.device = "cpu";
    storeClip(viewOf(w.segments), w.buffers.audio.channels, options, w.buffers, out);
  }
  out.seconds = secondsSince(t0);
  return out;
}

}  // namespace

bool loadClip(const std::string& path, const BatchOptions& options, int bands, ClipBuffers& w,
              ClipOutcome& out) {
  bool compute = false;
  guarded(out, [&] {
    audio::readFileBytesInto(path, w.bytes);
    out.audioBytes = w.bytes.size();
    out.audioHash = contentHash(w.bytes.data(), w.bytes.size());
    out.shardFile = shardFileName(out.audioHash, options.dtype);
    const std::string shardPath = options.shardDir + "/" + out.shardFile;
    ShardInfo expected;
    expected.dtype = options.dtype;
    expected.segmentFrames = static_cast<std::uint32_t>(options.config.segmentFrames);
    expected.bands = static_cast<std::uint32_t>(bands);
    if (verifyShard(shardPath, expected, &out.shard, w.shard)) {
      // The header alone says what the source is; the shard says whether it was cut.
      out.source = audio::probeAudio(w.bytes.data(), w.bytes.size());
      out.channelsUsed = audio::channelsToUse(out.source.channels, options.decode.channels);
      out.truncated = (out.shard.flags & kShardSourceTruncated) != 0;
      if (out.truncated && !options.decode.allowTruncated) {
        throw audio::AudioError(
            audio::AudioErrorCode::kTruncated,
            "the data ends before the header says; its cached features are of what is there "
            "(--allow-truncated keeps them)");
      }
      out.status = ClipStatus::kReused;
      return;
    }
    struct stat st;
    out.repaired = ::stat(shardPath.c_str(), &st) == 0;
    w.decoder.decode(w.bytes.data(), w.bytes.size(), options.decode, w.audio);
    out.source = w.audio.source;
    out.channelsUsed = w.audio.channelsUsed;
    out.truncated = w.audio.truncated;
    compute = true;
  });
  return compute;
}

bool storeClip(const SegmentsView& segments, int channels, const BatchOptions& options,
               ClipBuffers& w, ClipOutcome& out) {
  return guarded(out, [&] {
    encodeShard(segments, channels, out.truncated ? kShardSourceTruncated : 0, options.dtype,
                &out.shard, w.shard);
    writeFileAtomically(options.shardDir + "/" + out.shardFile, w.shard);
    out.status = ClipStatus::kExtracted;
  });
}

std::string shardFileName(const std::string& audioHash, ShardDtype dtype) {
  return audioHash + (dtype == ShardDtype::kFloat16 ? ".f16.seg" : ".f32.seg");
}

void runBatch(const std::vector<std::string>& paths, const BatchOptions& options,
              const std::atomic<bool>& cancel,
              const std::function<void(ClipOutcome&&)>& onOutcome) {
  validateConfig(options.config);
  if (options.decode.sampleRateHz != options.config.sampleRateHz) {
    throw std::invalid_argument("runBatch: the decoding rate differs from the feature config's");
  }
  const unsigned threads = std::max(
      1u, std::min<unsigned>(options.threads,
                             static_cast<unsigned>(std::max<std::size_t>(paths.size(), 1))));
  std::atomic<std::size_t> next{0};
  ThreadPool pool(threads);
  // One long-lived loop per thread pulling the next file: files differ in length, so
  // equal static chunks would leave a thread idle at the end.
  pool.parallelFor(threads, 1, [&](std::size_t, std::size_t) {
    Worker worker(options.config);
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= paths.size()) return;
      ClipOutcome out;
      if (cancel.load()) {
        out.status = ClipStatus::kCancelled;
      } else {
        out = processOne(paths[i], options, worker);
      }
      out.index = i;
      onOutcome(std::move(out));
    }
  });
}

Segments computeClipSegments(const std::string& path, const ScalogramConfig& config,
                             const audio::DecodeOptions& decode, audio::DecodedAudio* audio) {
  audio::DecodedAudio decoded = audio::decodeAudioFile(path, decode);
  ScalogramExtractor extractor(config);
  Segments segments;
  extractor.computeSegments(decoded, segments);
  if (audio) *audio = std::move(decoded);
  return segments;
}

}  // namespace asc::features
