#include "features/scalogram.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

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
      power_(stft_.bins()) {}

std::vector<float> ScalogramExtractor::channelDb(const float* samples, std::size_t n) {
  const std::size_t frames = stftFrameCount(n, config_.nFft, config_.hopSamples);
  const int bands = bank_->bands();
  std::vector<float> db(frames * bands);
  if (config_.scale == ScaleKind::kPowerDb) {
    float peak = -1e30f;
    for (std::size_t m = 0; m < frames; ++m) {
      stft_.powerFrame(samples, n, m, power_.data());
      float* row = db.data() + m * bands;
      bank_->apply(power_.data(), row);
      for (int b = 0; b < bands; ++b) {
        row[b] = 10.0f * std::log10(std::max(row[b], 1e-10f));
        peak = std::max(peak, row[b]);
      }
    }
    const float floor = peak - static_cast<float>(config_.topDb);
    for (float& v : db) v = std::max(v, floor);
  } else {
    for (std::size_t m = 0; m < frames; ++m) {
      stft_.powerFrame(samples, n, m, power_.data());
      // 20 log10(max(|X|, 1e-5)) == 10 log10(max(|X|^2, 1e-10))
      for (float& p : power_) p = 10.0f * std::log10(std::max(p, 1e-10f));
      bank_->apply(power_.data(), db.data() + m * bands);
    }
  }
  return db;
}

Segments ScalogramExtractor::computeSegments(const WavAudio& audio) {
  if (audio.sampleRateHz != config_.sampleRateHz) {
    throw WavError(WavErrorCode::kSampleRate, "sample rate " + std::to_string(audio.sampleRateHz) + " Hz, expected " + std::to_string(config_.sampleRateHz) + " Hz");
  }
  const std::size_t n = audio.frames;
  const std::vector<float> left = channelDb(audio.samples[0].data(), n);
  std::vector<float> right;
  if (audio.channels > 1) right = channelDb(audio.samples[1].data(), n);

  Segments out;
  out.bands = bank_->bands();
  out.segmentFrames = config_.segmentFrames;
  out.frames = left.size() / out.bands;
  out.count = (out.frames + config_.segmentFrames - 1) / config_.segmentFrames;
  const std::size_t planeValues = out.count * out.segmentFrames * out.bands;
  // Padding frames hold -topDb in both planes (docs/scalogram.md step 7).
  out.values.assign(planeValues * 2, -static_cast<float>(config_.topDb));
  const std::size_t valid = out.frames * out.bands;
  float* dst = out.values.data();
  if (right.empty()) {
    for (std::size_t i = 0; i < valid; ++i) {
      dst[2 * i] = left[i];
      dst[2 * i + 1] = 0.0f;
    }
  } else {
    for (std::size_t i = 0; i < valid; ++i) {
      dst[2 * i] = 0.5f * (left[i] + right[i]);
      dst[2 * i + 1] = left[i] - right[i];
    }
  }
  return out;
}

}  // namespace asc::features
