// Launchers of the feature kernels (CUDA builds only). Each enqueues on `stream` and
// checks the launch; the kernels' bodies are the programs of programs.h.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "cuda/features/programs.h"

namespace asc::cuda::features {

// Built-in FFT: spectra, bank, band values and peaks of every frame of the slot.
void launchBuiltinSpectra(const ConstArgs& k, const SlotArgs& s, std::size_t sharedBytes,
                          cudaStream_t stream);

// cuFFT path: windowed frames first .. first + count - 1 into `frames` (count x nFft) ...
void launchFraming(const ConstArgs& k, const SlotArgs& s, std::uint32_t first, std::uint32_t count,
                   float* frames, cudaStream_t stream);
// ... and, after the transform, spectra to band values and peaks.
void launchCufftSpectra(const ConstArgs& k, const SlotArgs& s, std::uint32_t first,
                        std::uint32_t count, const Cf* spectra, std::size_t sharedBytes,
                        cudaStream_t stream);

// Clipping, mid/side and padding into the output (float32, or IEEE half when `half`).
void launchFinal(const ConstArgs& k, const SlotArgs& s, void* output, bool half,
                 cudaStream_t stream);

}  // namespace asc::cuda::features
