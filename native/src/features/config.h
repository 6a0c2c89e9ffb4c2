// The feature configuration as plain C++ values (mirrors FeatureConfig in
// native/lib/features/config.ts, which documents each field).
#pragma once

#include <string>

namespace asc::features {

enum class WindowKind { kHamming, kHann };
// kPowerDb: 10 log10(F @ |X|^2) clipped at max - topDb (the authors' code).
// kLogMagnitude: F @ 20 log10(max(|X|, 1e-5)) (the paper's literal sentence; no clip).
enum class ScaleKind { kPowerDb, kLogMagnitude };

struct ScalogramConfig {
  int sampleRateHz = 48000;
  int nFft = 2048;
  int windowSamples = 1200;
  int hopSamples = 480;
  WindowKind window = WindowKind::kHamming;
  int J = 10;
  int Q = 16;
  double topDb = 80;
  int segmentFrames = 128;
  ScaleKind scale = ScaleKind::kPowerDb;
};

// Throws std::invalid_argument naming the first bad field.
void validateConfig(const ScalogramConfig& config);

}  // namespace asc::features
