#include "features/fft_benchmark.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "common/thread_pool.h"
#include "features/stft.h"

namespace asc::features {

double timeFftOnly(const ScalogramConfig& config, std::size_t samples, int channels,
                   std::size_t clips, unsigned threads) {
  std::vector<float> signal(samples);
  std::uint32_t state = 12345;
  for (float& v : signal) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
  }
  threads = std::max(1u, threads);
  ThreadPool pool(threads);
  std::atomic<std::size_t> next{0};
  std::atomic<double> sink{0};
  const auto t0 = std::chrono::steady_clock::now();
  pool.parallelFor(threads, 1, [&](std::size_t, std::size_t) {
    Stft stft(config.nFft, config.windowSamples, config.hopSamples, config.window);
    std::vector<float> power(stft.bins());
    std::vector<float> second(stft.bins());
    const std::size_t frames = stftFrameCount(samples, config.nFft, config.hopSamples);
    float keep = 0;
    while (next.fetch_add(1) < clips) {
      for (int c = 0; c < channels; ++c) {
        for (std::size_t m = 0; m < frames; m += 2) {
          stft.powerFramePair(signal.data(), samples, m, power.data(),
                              m + 1 < frames ? second.data() : nullptr, 1);
          keep += power[m % power.size()];
        }
      }
    }
    // Keeps the compiler from dropping the work.
    double expected = sink.load();
    while (!sink.compare_exchange_weak(expected, expected + keep)) {
    }
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace asc::features
