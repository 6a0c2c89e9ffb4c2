// The FFT stage alone (framing, window, r2c, power) for the feature benchmark's
// "FFT-only" figure: the floor the whole pipeline is compared against.
#pragma once

#include <cstddef>

#include "features/config.h"

namespace asc::features {

// Seconds to run the STFT power stage over `clips` clips of `channels` x `samples`
// (a fixed pseudo-random signal) on `threads` threads, one clip per task.
double timeFftOnly(const ScalogramConfig& config, std::size_t samples, int channels,
                   std::size_t clips, unsigned threads);

}  // namespace asc::features
