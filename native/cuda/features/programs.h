// The kernels' bodies, written once for the device and for the host emulation. A block
// program is a sequence of blk.run(phase) calls; `Block` decides what that means:
//   DeviceBlock (kernels.cu): the phase runs on threadIdx.x, then __syncthreads();
//   HostBlock (emulated_executor.cc): the phase runs for t = 0 .. threads - 1 in turn.
// Either way every thread finishes a phase before any thread starts the next, which is
// all the programs assume. blk.regs(t) is thread t's LaneRegisters (registers on the
// device, an array on the host).
#pragma once

#include "cuda/features/pipeline_math.h"

namespace asc::cuda::features {

// What every launch reads (device pointers on the device, host pointers in emulation).
struct ConstArgs {
  PipelineParams params;
  const float* window;
  FftTables tables;
  BankView bank;
};

// One slot's buffers.
struct SlotArgs {
  const float* samples;
  const StagedChannel* channels;
  int channelCount;
  const StagedClip* clips;
  int clipCount;
  std::uint32_t frames;  // all channels' frames
  std::uint32_t items;   // all clips' output items
  float* values;         // frames x bands: dB ('power-db') or bank output ('log-magnitude')
  std::uint32_t* peaks;  // per channel, orderedKey of its largest value; zeroed before the launch
};

// Shared memory of one block of a spectra program.
struct BlockShared {
  float* spectra;  // kFramesPerBlock spectra, spectrumStride floats apart
  int spectrumStride;
  float* partial;  // chunkCount x kFramesPerBlock
  float* red;      // kBlockThreads x kFramesPerBlock
  Cf* fft;         // built-in FFT: kFramesPerBlock x kFftBufferEntries (aliases spectra)
};

// Shared memory sizes (bytes) and the spectrum strides of the two programs.
constexpr int kBuiltinSpectrumStride = 2 * kFftBufferEntries;
ASC_HD constexpr int cufftSpectrumStride(int bins) { return (bins + 3) / 4 * 4; }
ASC_HD constexpr std::size_t tailSharedBytes(int chunkCount) {
  return sizeof(float) *
         (static_cast<std::size_t>(chunkCount) * kFramesPerBlock + kBlockThreads * kFramesPerBlock);
}
ASC_HD constexpr std::size_t builtinSharedBytes(int chunkCount) {
  return sizeof(Cf) * kFramesPerBlock * kFftBufferEntries + tailSharedBytes(chunkCount);
}
ASC_HD constexpr std::size_t cufftSharedBytes(int chunkCount, int bins) {
  return sizeof(float) * kFramesPerBlock * cufftSpectrumStride(bins) + tailSharedBytes(chunkCount);
}

// The block's frames are first .. first + frames - 1 of the slot (frames <= kFramesPerBlock).
struct BlockFrames {
  std::uint32_t first;
  int frames;
};

ASC_HD BlockFrames blockFrames(unsigned block, std::uint32_t slotFrames) {
  const std::uint32_t first = block * kFramesPerBlock;
  const std::uint32_t left = slotFrames - first;
  return {first, static_cast<int>(left < kFramesPerBlock ? left : kFramesPerBlock)};
}

ASC_HD void atomicMaxKey(std::uint32_t* address, std::uint32_t key) {
#if defined(__CUDA_ARCH__)
  atomicMax(address, key);
#else
  if (key > *address) *address = key;  // the emulation runs one thread at a time
#endif
}

// Filter bank, band values and per-channel peaks of the block's spectra (both programs).
template <class Block>
ASC_HD void bankTail(Block& blk, const ConstArgs& k, const SlotArgs& s, const BlockShared& sh,
                     BlockFrames bf) {
  blk.run([&](int t) {
    bankPartials(t, kBlockThreads, k.bank, sh.spectra, sh.spectrumStride, sh.partial);
  });
  float* rows = s.values + static_cast<std::size_t>(bf.first) * k.params.bands;
  blk.run([&](int t) {
    bandValues(t, kBlockThreads, k.bank, sh.partial, k.params, bf.frames, rows, sh.red);
  });
  if (!k.params.powerDb) return;
  for (int half = kBlockThreads / 2; half >= 1; half /= 2) {
    blk.run([&](int t) { reduceMaxStep(t, half, sh.red); });
  }
  blk.run([&](int t) {
    if (t < bf.frames) {
      const int c = channelOfFrame(s.channels, s.channelCount, bf.first + t);
      atomicMaxKey(s.peaks + c, orderedKey(sh.red[t]));
    }
  });
}

// Built-in FFT program: framing, window, FFT, power, bank, dB and peaks of kFramesPerBlock
// frames, one warp per frame.
template <class Block>
ASC_HD void builtinSpectraBlock(Block& blk, unsigned block, const ConstArgs& k, const SlotArgs& s,
                                const BlockShared& sh) {
  const BlockFrames bf = blockFrames(block, s.frames);
  blk.run([&](int t) {
    const int f = t / kRadix;
    if (f >= bf.frames) return;
    const std::uint32_t g = bf.first + f;
    const StagedChannel ch = s.channels[channelOfFrame(s.channels, s.channelCount, g)];
    fftPass1(t % kRadix, s.samples + ch.sampleOffset, static_cast<int>(ch.samples),
             static_cast<int>(g - ch.frameBase), k.window, k.params, k.tables, blk.regs(t),
             sh.fft + f * kFftBufferEntries);
  });
  blk.run([&](int t) {
    fftPass2Load(t % kRadix, sh.fft + (t / kRadix) * kFftBufferEntries, k.tables, blk.regs(t));
  });
  blk.run([&](int t) {
    fftPass2Store(t % kRadix, blk.regs(t), sh.fft + (t / kRadix) * kFftBufferEntries);
  });
  blk.run([&](int t) {
    powerLoad(t % kRadix, sh.fft + (t / kRadix) * kFftBufferEntries, k.tables, k.params,
              blk.regs(t));
  });
  blk.run([&](int t) {
    powerStore(t % kRadix, blk.regs(t), sh.spectra + (t / kRadix) * sh.spectrumStride);
  });
  bankTail(blk, k, s, sh, bf);
}

// cuFFT program, after the transform: spectra of kFramesPerBlock rows of R2C output
// (rows of bins values; `spectra` holds the chunk starting at slot frame chunkFirst).
template <class Block>
ASC_HD void cufftSpectraBlock(Block& blk, unsigned block, std::uint32_t chunkFirst,
                              std::uint32_t chunkFrames, const Cf* spectra, const ConstArgs& k,
                              const SlotArgs& s, const BlockShared& sh) {
  const BlockFrames local = blockFrames(block, chunkFrames);
  blk.run([&](int t) {
    for (int f = 0; f < local.frames; ++f) {
      powerFromComplex(t, kBlockThreads,
                       spectra + static_cast<std::size_t>(local.first + f) * k.params.bins,
                       k.params.bins, k.params, sh.spectra + f * sh.spectrumStride);
    }
  });
  bankTail(blk, k, s, sh, BlockFrames{chunkFirst + local.first, local.frames});
}

// cuFFT program, before the transform: element `item` of the chunk's frame matrix
// (frames chunkFirst.. of the slot, nFft real samples each).
ASC_HD float framedSample(std::uint64_t item, std::uint32_t chunkFirst, const ConstArgs& k,
                          const SlotArgs& s) {
  const std::uint32_t f = static_cast<std::uint32_t>(item / k.params.nFft);
  const int i = static_cast<int>(item - static_cast<std::uint64_t>(f) * k.params.nFft);
  const std::uint32_t g = chunkFirst + f;
  const StagedChannel ch = s.channels[channelOfFrame(s.channels, s.channelCount, g)];
  return windowedSample(s.samples + ch.sampleOffset, static_cast<int>(ch.samples),
                        static_cast<int>(g - ch.frameBase), i, k.window, k.params);
}

// The final step for output item `item` of the slot: (mid, side).
ASC_HD void finalValues(std::uint32_t item, const ConstArgs& k, const SlotArgs& s, float& mid,
                        float& side) {
  const StagedClip clip = s.clips[clipOfItem(s.clips, s.clipCount, item)];
  finalItem(clip, s.channels, s.values, s.peaks, k.params, item, mid, side);
}

}  // namespace asc::cuda::features
