// Short-time Fourier power spectra, frame by frame: centred framing with reflect padding,
// a periodic window centred in the nFft frame, FFTW single-precision r2c.
#pragma once

#include <fftw3.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "features/config.h"

namespace asc::features {

// Frames of an n-sample signal with centred framing: 1 + (n + 2*(nFft/2) - nFft) / hop.
std::size_t stftFrameCount(std::size_t samples, int nFft, int hopSamples);

// One per thread: owns its aligned buffers; the FFTW plan is shared (made once per nFft,
// under a lock, because FFTW's planner is not thread-safe) and run with the new-array
// execute function, which is.
class Stft {
 public:
  Stft(int nFft, int windowSamples, int hopSamples, WindowKind window);
  Stft(const Stft&) = delete;
  Stft& operator=(const Stft&) = delete;

  int bins() const { return nFft_ / 2 + 1; }

  // Writes |X[frame, k]|^2 for k = 0..nFft/2 to power[k * stride].
  void powerFrame(const float* signal, std::size_t samples, std::size_t frame, float* power, std::size_t stride = 1);

 private:
  struct FloatFree {
    void operator()(float* p) const { fftwf_free(p); }
  };
  struct ComplexFree {
    void operator()(fftwf_complex* p) const { fftwf_free(p); }
  };
  int nFft_;
  int hop_;
  int windowStart_;  // first non-zero window sample in the frame
  std::vector<float> window_;  // windowSamples values
  std::unique_ptr<float, FloatFree> in_;
  std::unique_ptr<fftwf_complex, ComplexFree> out_;
  fftwf_plan plan_;
};

}  // namespace asc::features
