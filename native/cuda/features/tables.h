// The constant tables every executor uploads once: window, FFT twiddles, filter-bank
// chunks, and the ConstArgs that point into them. Plain C++.
#pragma once

#include <string>
#include <vector>

#include "cuda/features/executor.h"
#include "cuda/features/layout.h"
#include "cuda/features/programs.h"

namespace asc::cuda::features {

struct HostTables {
  PipelineParams params;
  std::vector<float> window;
  FftTableData fft;
  BankLayout bank;
  FftKind fftKind = FftKind::kBuiltin;
  std::size_t sharedBytes = 0;  // per block of the spectra program
};

// Throws CudaUnavailable (kError) naming why the device path cannot compute the config.
HostTables makeHostTables(const ExecutorSetup& setup, FftKind fft);

// ConstArgs over tables at the given addresses (host vectors, or their device copies).
ConstArgs constArgs(const PipelineParams& params, const float* window, const Cf* w32,
                    const Cf* w1024, const Cf* w2048, const BankChunk* chunks,
                    const std::uint32_t* bandChunks, const float* weights, int chunkCount,
                    int bands);

// The slot plan for `setup`'s budget, typical clip and FFT; throws CudaUnavailable
// (kOutOfMemory) when the budget holds no slot.
SlotPlan planFor(const ExecutorSetup& setup, const HostTables& tables,
                 std::uint64_t fixedDeviceBytes, std::uint64_t fftWorkBytesPerFrame);

// Host bytes of the tables once uploaded (the fixed part of the device budget).
std::uint64_t tableBytes(const HostTables& tables);

}  // namespace asc::cuda::features
