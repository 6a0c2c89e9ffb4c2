// The scalogram of one clip: STFT power -> Morlet bank -> dB -> mid/side planes ->
// fixed-length segments (docs/scalogram.md). Plain C++; a GPU path (native/cuda) would
// provide another implementation of computeSegments with the same inputs and layout.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "audio/decode.h"
#include "features/config.h"
#include "features/sparse_bank.h"
#include "features/stft.h"

namespace asc::features {

// The bank for a configuration, designed once per (nFft, J, Q) and shared by threads.
std::shared_ptr<const SparseBank> sharedSparseBank(int nFft, int J, int Q);

struct Segments {
  std::size_t count = 0;   // segments
  std::size_t frames = 0;  // valid STFT frames before padding
  int segmentFrames = 0;
  int bands = 0;
  // count x segmentFrames x bands x 2 (plane 0 = mid, 1 = side), NHWC
  std::vector<float> values;
};

// One per thread (it owns FFT buffers and scratch space).
class ScalogramExtractor {
 public:
  explicit ScalogramExtractor(const ScalogramConfig& config);

  const ScalogramConfig& config() const { return config_; }
  int bands() const { return bank_->bands(); }

  // The (frames x bands) dB matrix of one channel, into `db` (resized; its capacity is
  // reused from clip to clip, which saves ~250 page faults per clip).
  void channelDb(const float* samples, std::size_t n, std::vector<float>& db);

  // Computes the segments of decoded audio at the configured rate into `out` (throws
  // std::invalid_argument for another rate). Mono input gives mid = the channel and
  // side = 0.
  void computeSegments(const audio::DecodedAudio& audio, Segments& out);

 private:
  ScalogramConfig config_;
  std::shared_ptr<const SparseBank> bank_;
  Stft stft_;
  std::vector<float> spectra_;  // bins x kBlock, interleaved
  std::vector<float> block_;    // bands x kBlock
  std::vector<float> left_;
  std::vector<float> right_;
};

}  // namespace asc::features
