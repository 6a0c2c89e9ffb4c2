#include "features/stft.h"

#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

namespace asc::features {

namespace {

std::mutex gPlanMutex;

// Plans live for the whole process; FFTW_MEASURE costs tens of milliseconds once per
// size and makes every later frame faster.
fftwf_plan sharedR2cPlan(int nFft) {
  static std::map<int, fftwf_plan> plans;
  std::lock_guard<std::mutex> lock(gPlanMutex);
  auto it = plans.find(nFft);
  if (it != plans.end()) return it->second;
  float* in = fftwf_alloc_real(nFft);
  fftwf_complex* out = fftwf_alloc_complex(nFft / 2 + 1);
  if (!in || !out) throw std::bad_alloc();
  fftwf_plan plan = fftwf_plan_dft_r2c_1d(nFft, in, out, FFTW_MEASURE);
  fftwf_free(in);
  fftwf_free(out);
  plans.emplace(nFft, plan);
  return plan;
}

// y[i] of the signal padded by `pad` on both sides with reflection (y[pad - k] = x[k]),
// reflecting again as often as needed when the signal is shorter than the padding.
inline float reflected(const float* x, std::size_t n, std::ptrdiff_t j) {
  if (n == 1) return x[0];
  const std::ptrdiff_t period = 2 * static_cast<std::ptrdiff_t>(n - 1);
  j %= period;
  if (j < 0) j += period;
  if (j >= static_cast<std::ptrdiff_t>(n)) j = period - j;
  return x[j];
}

}  // namespace

std::size_t stftFrameCount(std::size_t samples, int nFft, int hopSamples) {
  const std::size_t padded = samples + 2 * static_cast<std::size_t>(nFft / 2);
  if (padded < static_cast<std::size_t>(nFft)) return 0;
  return 1 + (padded - nFft) / hopSamples;
}

Stft::Stft(int nFft, int windowSamples, int hopSamples, WindowKind window)
    : nFft_(nFft),
      hop_(hopSamples),
      windowStart_((nFft - windowSamples) / 2),
      window_(windowSamples),
      in_(fftwf_alloc_real(nFft)),
      out_(fftwf_alloc_complex(nFft / 2 + 1)),
      plan_(sharedR2cPlan(nFft)) {
  if (!in_ || !out_) throw std::bad_alloc();
  const double pi = std::acos(-1.0);
  const double a0 = window == WindowKind::kHamming ? 0.54 : 0.5;
  const double a1 = window == WindowKind::kHamming ? 0.46 : 0.5;
  for (int n = 0; n < windowSamples; ++n) {
    window_[n] = static_cast<float>(a0 - a1 * std::cos(2.0 * pi * n / windowSamples));  // periodic
  }
  // Samples outside the window stay zero: r2c leaves its input untouched.
  std::memset(in_.get(), 0, sizeof(float) * nFft);
}

void Stft::powerFrame(const float* signal, std::size_t samples, std::size_t frame, float* power, std::size_t stride) {
  // Frame m covers padded samples m*hop .. m*hop + nFft - 1; padded index i is signal
  // index i - nFft/2.
  const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(frame * hop_) + windowStart_ - nFft_ / 2;
  const int w = static_cast<int>(window_.size());
  float* in = in_.get() + windowStart_;
  if (first >= 0 && first + w <= static_cast<std::ptrdiff_t>(samples)) {
    const float* x = signal + first;
    for (int k = 0; k < w; ++k) in[k] = x[k] * window_[k];
  } else {
    for (int k = 0; k < w; ++k) in[k] = reflected(signal, samples, first + k) * window_[k];
  }
  fftwf_execute_dft_r2c(plan_, in_.get(), out_.get());
  const fftwf_complex* X = out_.get();
  const int bins = nFft_ / 2 + 1;
  for (int k = 0; k < bins; ++k) power[k * stride] = X[k][0] * X[k][0] + X[k][1] * X[k][1];
}

}  // namespace asc::features
