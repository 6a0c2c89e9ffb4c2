#include "features/scalogram.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

#include "features/decibels.h"

namespace asc::features {

void validateConfig(const ScalogramConfig& c) {
  auto bad = [](const std::string& field, const std::string& why) {
    throw std::invalid_argument("feature config: " + field + " " + why);
  };
  if (c.sampleRateHz <= 0) bad("sampleRateHz", "must be positive");
  if (c.nFft < 2 || c.nFft > (1 << 20)) bad("nFft", "must be in 2..1048576");
  if (c.windowSamples < 1 || c.windowSamples > c.nFft) bad("windowSamples", "must be in 1..nFft");
  if (c.hopSamples < 1) bad("hopSamples", "must be positive");
  if (c.J < 0 || c.J > 30) bad("J", "must be in 0..30");
  if (c.Q < 1 || c.Q > 64) bad("Q", "must be in 1..64");
  if (!(c.topDb > 0)) bad("topDb", "must be positive");
  if (c.segmentFrames < 1) bad("segmentFrames", "must be positive");
}

std::shared_ptr<const SparseBank> sharedSparseBank(int nFft, int J, int Q) {
  static std::mutex mutex;
  static std::map<std::tuple<int, int, int>, std::shared_ptr<const SparseBank>> banks;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = banks[{nFft, J, Q}];
  if (!slot) slot = std::make_shared<const SparseBank>(morletFilterbank(nFft, J, Q));
  return slot;
}

ScalogramExtractor::ScalogramExtractor(const ScalogramConfig& config)
    : config_((validateConfig(config), config)),
      bank_(sharedSparseBank(config.nFft, config.J, config.Q)),
      stft_(config.nFft, config.windowSamples, config.hopSamples, config.window),
      spectra_(static_cast<std::size_t>(stft_.bins()) * SparseBank::kBlock, 0.0f),
      block_(static_cast<std::size_t>(bank_->bands()) * SparseBank::kBlock, 0.0f) {}

void ScalogramExtractor::channelDb(const float* samples, std::size_t n, std::vector<float>& db) {
  constexpr int kBlock = SparseBank::kBlock;
  const std::size_t frames = stftFrameCount(n, config_.nFft, config_.hopSamples);
  const int bands = bank_->bands();
  const bool powerDb = config_.scale == ScaleKind::kPowerDb;
  db.resize(frames * bands);
  for (std::size_t m0 = 0; m0 < frames; m0 += kBlock) {
    const int inBlock = static_cast<int>(std::min<std::size_t>(kBlock, frames - m0));
    for (int f = 0; f < inBlock; f += 2) {
      float* second = f + 1 < inBlock ? spectra_.data() + f + 1 : nullptr;
      stft_.powerFramePair(samples, n, m0 + f, spectra_.data() + f, second, kBlock);
    }
    // The unused lanes of a last, partial block keep earlier values; their results are
    // never read.
    // 'log-magnitude': 20 log10(max(|X|, 1e-5)) == 10 log10(max(|X|^2, 1e-10))
    if (!powerDb) toDecibels(spectra_.data(), spectra_.size());
    bank_->applyBlock(spectra_.data(), block_.data());
    for (int f = 0; f < inBlock; ++f) {
      float* row = db.data() + (m0 + f) * bands;
      for (int b = 0; b < bands; ++b) row[b] = block_[b * kBlock + f];
    }
  }
  if (powerDb) {
    toDecibels(db.data(), db.size());
    float peak = -1e30f;
    for (float v : db) peak = std::max(peak, v);
    const float floor = peak - static_cast<float>(config_.topDb);
    for (float& v : db) v = std::max(v, floor);
  }
}

void ScalogramExtractor::computeSegments(const audio::DecodedAudio& audio, Segments& out) {
  if (audio.sampleRateHz != config_.sampleRateHz) {
    throw std::invalid_argument("audio at " + std::to_string(audio.sampleRateHz) +
                                " Hz given to a " + std::to_string(config_.sampleRateHz) +
                                " Hz extractor");
  }
  const std::size_t n = audio.frames;
  channelDb(audio.samples[0].data(), n, left_);
  const bool stereo = audio.channels > 1;
  if (stereo) channelDb(audio.samples[1].data(), n, right_);

  out.bands = bank_->bands();
  out.segmentFrames = config_.segmentFrames;
  out.frames = left_.size() / out.bands;
  out.count = (out.frames + config_.segmentFrames - 1) / config_.segmentFrames;
  const std::size_t valid = out.frames * out.bands;
  out.values.resize(out.count * out.segmentFrames * out.bands * 2);
  float* dst = out.values.data();
  const float* l = left_.data();
  const float* r = right_.data();
  for (std::size_t i = 0; i < valid; ++i) {
    dst[2 * i] = stereo ? 0.5f * (l[i] + r[i]) : l[i];
    dst[2 * i + 1] = stereo ? l[i] - r[i] : 0.0f;
  }
  // Padding frames hold -topDb in both planes (docs/scalogram.md step 7).
  std::fill(out.values.begin() + 2 * valid, out.values.end(), -static_cast<float>(config_.topDb));
}

}  // namespace asc::features
