#include <cuda_fp16.h>

#include "cuda/common/check.h"
#include "cuda/features/kernels.h"

namespace asc::cuda::features {

namespace {

// programs.h's Block on the device: each phase runs on this thread, then the block waits.
struct DeviceBlock {
  LaneRegisters r;
  template <typename Phase>
  __host__ __device__ __forceinline__ void run(Phase&& phase) {
#if defined(__CUDA_ARCH__)
    phase(static_cast<int>(threadIdx.x));
    __syncthreads();
#endif
  }
  __host__ __device__ __forceinline__ LaneRegisters& regs(int) { return r; }
};

// Grids of grid-stride loops: enough blocks to fill any current GPU several times.
constexpr unsigned kStrideBlocks = 4096;
constexpr unsigned kStrideThreads = 256;

__global__ void __launch_bounds__(kBlockThreads) builtinSpectraKernel(ConstArgs k, SlotArgs s) {
  extern __shared__ __align__(16) unsigned char shared[];
  Cf* fft = reinterpret_cast<Cf*>(shared);
  float* partial = reinterpret_cast<float*>(fft + kFramesPerBlock * kFftBufferEntries);
  float* red = partial + k.bank.chunkCount * kFramesPerBlock;
  const BlockShared sh{reinterpret_cast<float*>(fft), kBuiltinSpectrumStride, partial, red, fft};
  DeviceBlock blk;
  builtinSpectraBlock(blk, blockIdx.x, k, s, sh);
}

__global__ void __launch_bounds__(kBlockThreads)
    cufftSpectraKernel(ConstArgs k, SlotArgs s, std::uint32_t first, std::uint32_t count,
                       const Cf* spectra) {
  extern __shared__ __align__(16) unsigned char shared[];
  const int stride = cufftSpectrumStride(k.params.bins);
  float* rows = reinterpret_cast<float*>(shared);
  float* partial = rows + kFramesPerBlock * stride;
  float* red = partial + k.bank.chunkCount * kFramesPerBlock;
  const BlockShared sh{rows, stride, partial, red, nullptr};
  DeviceBlock blk;
  cufftSpectraBlock(blk, blockIdx.x, first, count, spectra, k, s, sh);
}

__global__ void framingKernel(ConstArgs k, SlotArgs s, std::uint32_t first, std::uint32_t count,
                              float* frames) {
  const std::uint64_t n = static_cast<std::uint64_t>(count) * k.params.nFft;
  for (std::uint64_t i = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::uint64_t>(gridDim.x) * blockDim.x) {
    frames[i] = framedSample(i, first, k, s);
  }
}

__global__ void finalKernel(ConstArgs k, SlotArgs s, float2* asFloat, __half2* asHalf) {
  for (std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < s.items;
       i += gridDim.x * blockDim.x) {
    float mid;
    float side;
    finalValues(i, k, s, mid, side);
    if (asHalf) {
      asHalf[i] = __floats2half2_rn(mid, side);
    } else {
      asFloat[i] = make_float2(mid, side);
    }
  }
}

unsigned strideBlocks(std::uint64_t items) {
  const std::uint64_t needed = (items + kStrideThreads - 1) / kStrideThreads;
  return static_cast<unsigned>(needed < kStrideBlocks ? (needed > 0 ? needed : 1) : kStrideBlocks);
}

}  // namespace

void launchBuiltinSpectra(const ConstArgs& k, const SlotArgs& s, std::size_t sharedBytes,
                          cudaStream_t stream) {
  const unsigned blocks = (s.frames + kFramesPerBlock - 1) / kFramesPerBlock;
  if (blocks == 0) return;
  builtinSpectraKernel<<<blocks, kBlockThreads, sharedBytes, stream>>>(k, s);
  ASC_CUDA_CHECK_LAUNCH();
}

void launchFraming(const ConstArgs& k, const SlotArgs& s, std::uint32_t first, std::uint32_t count,
                   float* frames, cudaStream_t stream) {
  framingKernel<<<strideBlocks(static_cast<std::uint64_t>(count) * k.params.nFft), kStrideThreads,
                  0, stream>>>(k, s, first, count, frames);
  ASC_CUDA_CHECK_LAUNCH();
}

void launchCufftSpectra(const ConstArgs& k, const SlotArgs& s, std::uint32_t first,
                        std::uint32_t count, const Cf* spectra, std::size_t sharedBytes,
                        cudaStream_t stream) {
  const unsigned blocks = (count + kFramesPerBlock - 1) / kFramesPerBlock;
  if (blocks == 0) return;
  cufftSpectraKernel<<<blocks, kBlockThreads, sharedBytes, stream>>>(k, s, first, count, spectra);
  ASC_CUDA_CHECK_LAUNCH();
}

void launchFinal(const ConstArgs& k, const SlotArgs& s, void* output, bool half,
                 cudaStream_t stream) {
  finalKernel<<<strideBlocks(s.items), kStrideThreads, 0, stream>>>(
      k, s, half ? nullptr : static_cast<float2*>(output),
      half ? static_cast<__half2*>(output) : nullptr);
  ASC_CUDA_CHECK_LAUNCH();
}

}  // namespace asc::cuda::features
