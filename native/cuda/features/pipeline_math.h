// The arithmetic of the CUDA feature kernels as plain functions (ASC_HD: host and device).
// Each kernel (kernels.cu) is a sequence of the "phases" below separated by block-wide
// barriers; the emulated executor (emulated_executor.cc) runs the same phases on the host,
// one simulated thread after another, so the kernels' index maps, twiddles, real-FFT
// post-processing, filter-bank layout and reductions are tested against the CPU pipeline
// (FFTW) on machines without a GPU.
//
// Conventions: a phase takes the thread index `t` (and the block's thread count where it
// strides); values a thread keeps across a barrier live in its LaneRegisters; shared
// memory is passed as plain pointers. Nothing here allocates, throws or touches globals.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "cuda/common/hd.h"
#include "cuda/features/staging.h"

namespace asc::cuda::features {

// A complex float, 8-byte aligned so that the device moves it in one access.
struct alignas(8) Cf {
  float x;
  float y;
};

ASC_HD Cf cadd(Cf a, Cf b) { return {a.x + b.x, a.y + b.y}; }
ASC_HD Cf csub(Cf a, Cf b) { return {a.x - b.x, a.y - b.y}; }
ASC_HD Cf cmul(Cf a, Cf b) { return {a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x}; }

// ---------------------------------------------------------------------------------------
// Framing: centred frames over the signal padded by nFft/2 on both sides with reflection,
// a periodic window of windowSamples values centred in the frame (docs/scalogram.md).

// The signal index that padded index `j` (relative to the signal's start; negative or
// past the end inside the padding) reads: reflection without repeating the edge sample,
// repeated as often as needed when the signal is shorter than the padding. n >= 1.
ASC_HD int reflectIndex(int j, int n) {
  if (n == 1) return 0;
  const int period = 2 * (n - 1);
  j %= period;
  if (j < 0) j += period;
  return j >= n ? period - j : j;
}

// Sample i (0..nFft-1) of frame `frame`, windowed; zero outside the window.
ASC_HD float windowedSample(const float* x, int n, int frame, int i, const float* window,
                            const PipelineParams& p) {
  const int w = i - p.windowStart;
  if (w < 0 || w >= p.windowSamples) return 0.0f;
  int j = frame * p.hopSamples + i - p.halfFft;
  if (j < 0 || j >= n) j = reflectIndex(j, n);
  return x[j] * window[w];
}

// ---------------------------------------------------------------------------------------
// The built-in FFT of one 2048-sample real frame, by one warp of 32 lanes: the frame packs
// into 1024 complex values z[n] = x[2n] + i x[2n+1]; Z = DFT_1024(z) in two passes of
// 32-point DFTs held in registers (1024 = 32 x 32, Bailey's four-step order, which sorts
// itself like a Stockham FFT: no bit reversal in memory); then the real-to-complex
// post-processing separates X[k] and X[1024 - k] from Z[k] and Z[1024 - k].
//
//   pass 1, lane j:   v[m] = z[j + 32 m], m = 0..31;  v = DFT_32(v);
//                     buffer[k1 * 33 + j] = v[k1] * w1024^(j k1)
//   pass 2, lane k1:  v[j] = buffer[k1 * 33 + j];     v = DFT_32(v);
//                     Z[k1 + 32 k2] = v[k2] -> buffer[k2 * 33 + k1]
//
// Rows are 33 entries apart so that both passes' accesses hit 32 different banks.

constexpr int kFftSize = 2048;
constexpr int kFftHalf = 1024;
constexpr int kRadix = 32;
constexpr int kPitch = 33;
constexpr int kFftBufferEntries = kRadix * kPitch;  // Cf per warp
constexpr int kBins = kFftHalf + 1;
constexpr int kPairsPerLane = 17;  // k = lane + 32 i <= 512, i = 0..16

// Twiddles, computed on the host in double precision (tables.cc) and read from memory:
// w32[k] = e^(-2 pi i k / 32), k < 16; w1024[e] = e^(-2 pi i e / 1024), e < 1024;
// w2048[k] = e^(-2 pi i k / 2048), k <= 512.
struct FftTables {
  const Cf* w32;
  const Cf* w1024;
  const Cf* w2048;
};

// What one lane keeps across barriers.
struct LaneRegisters {
  Cf v[kRadix];
  float power[2 * kPairsPerLane];
};

ASC_HD constexpr int bitReverse5(int i) {
  return ((i & 1) << 4) | ((i & 2) << 2) | (i & 4) | ((i & 8) >> 2) | ((i & 16) >> 4);
}

// In-register forward DFT of 32 points (radix-2, decimation in time). Every index is a
// compile-time constant once the loops are unrolled, so v stays in registers.
ASC_HD void dft32(Cf (&v)[kRadix], const Cf* w32) {
  ASC_UNROLL
  for (int i = 0; i < kRadix; ++i) {
    const int r = bitReverse5(i);
    if (i < r) {
      const Cf tmp = v[i];
      v[i] = v[r];
      v[r] = tmp;
    }
  }
  // Loops of constant trip count only: nvcc leaves a loop whose step depends on an outer
  // index rolled, and v then goes to local memory.
  ASC_UNROLL
  for (int s = 0; s < 5; ++s) {
    ASC_UNROLL
    for (int j = 0; j < kRadix / 2; ++j) {
      const int half = 1 << s;
      const int k = j & (half - 1);
      const int top = ((j >> s) << (s + 1)) + k;
      const Cf w = w32[k << (4 - s)];
      const Cf a = v[top];
      const Cf b = cmul(v[top + half], w);
      v[top] = cadd(a, b);
      v[top + half] = csub(a, b);
    }
  }
}

// Pass 1 of lane j: reads the frame's windowed samples, writes the buffer.
ASC_HD void fftPass1(int lane, const float* x, int n, int frame, const float* window,
                     const PipelineParams& p, const FftTables& tables, LaneRegisters& r,
                     Cf* buffer) {
  ASC_UNROLL
  for (int m = 0; m < kRadix; ++m) {
    const int k = lane + kRadix * m;
    r.v[m] = {windowedSample(x, n, frame, 2 * k, window, p),
              windowedSample(x, n, frame, 2 * k + 1, window, p)};
  }
  dft32(r.v, tables.w32);
  ASC_UNROLL
  for (int k1 = 0; k1 < kRadix; ++k1)
    buffer[k1 * kPitch + lane] = cmul(r.v[k1], tables.w1024[lane * k1]);
}

// Pass 2 of lane k1, in place: load and transform (then a barrier), then store.
ASC_HD void fftPass2Load(int lane, const Cf* buffer, const FftTables& tables, LaneRegisters& r) {
  ASC_UNROLL
  for (int j = 0; j < kRadix; ++j) r.v[j] = buffer[lane * kPitch + j];
  dft32(r.v, tables.w32);
}

ASC_HD void fftPass2Store(int lane, const LaneRegisters& r, Cf* buffer) {
  ASC_UNROLL
  for (int k2 = 0; k2 < kRadix; ++k2) buffer[k2 * kPitch + lane] = r.v[k2];
}

// Z[k] after pass 2.
ASC_HD Cf fftOutput(const Cf* buffer, int k) { return buffer[(k >> 5) * kPitch + (k & 31)]; }

// |X[k]|^2 and |X[1024 - k]|^2 of the real frame from Z[k] and Z[(1024 - k) mod 1024],
// with w = e^(-2 pi i k / 2048):
//   E = (Z[k] + conj Z[-k]) / 2,  O = (Z[k] - conj Z[-k]) / 2i   (spectra of x[2n], x[2n+1])
//   X[k] = E + w O,  X[1024 - k] = conj(E - w O).
ASC_HD void realPowerPair(Cf zk, Cf zmk, Cf w, float& powerK, float& powerMirror) {
  const Cf e = {0.5f * (zk.x + zmk.x), 0.5f * (zk.y - zmk.y)};
  const Cf o = {0.5f * (zk.y + zmk.y), -0.5f * (zk.x - zmk.x)};
  const Cf wo = cmul(w, o);
  const float ar = e.x + wo.x;
  const float ai = e.y + wo.y;
  const float br = e.x - wo.x;
  const float bi = e.y - wo.y;
  powerK = ar * ar + ai * ai;
  powerMirror = br * br + bi * bi;
}

// 10 log10(max(v, 1e-10)) with the platform's log10f (the CPU path's polynomial agrees
// within 1e-5 dB).
ASC_HD float decibels(float v) { return 10.0f * log10f(v < 1e-10f ? 1e-10f : v); }

// The scale applied to each power value before the filter bank: none for 'power-db'
// (dB comes after the bank), dB for 'log-magnitude' (the bank averages dB values).
ASC_HD float spectrumValue(float power, const PipelineParams& p) {
  return p.powerDb ? power : decibels(power);
}

// Post-processing of lane t: the power of bins k and 1024 - k for k = t + 32 i <= 512,
// into registers (then a barrier: the power overwrites the buffer it is computed from).
ASC_HD void powerLoad(int lane, const Cf* buffer, const FftTables& tables, const PipelineParams& p,
                      LaneRegisters& r) {
  ASC_UNROLL
  for (int i = 0; i < kPairsPerLane; ++i) {
    const int k = lane + kRadix * i;
    if (k <= kFftHalf / 2) {
      float a;
      float b;
      realPowerPair(fftOutput(buffer, k), fftOutput(buffer, (kFftHalf - k) & (kFftHalf - 1)),
                    tables.w2048[k], a, b);
      r.power[2 * i] = spectrumValue(a, p);
      r.power[2 * i + 1] = spectrumValue(b, p);
    }
  }
}

// ... then stores spectrum[k] for k = 0..1024 (the start of the same buffer, as floats).
ASC_HD void powerStore(int lane, const LaneRegisters& r, float* spectrum) {
  ASC_UNROLL
  for (int i = 0; i < kPairsPerLane; ++i) {
    const int k = lane + kRadix * i;
    if (k <= kFftHalf / 2) {
      spectrum[k] = r.power[2 * i];
      spectrum[kFftHalf - k] = r.power[2 * i + 1];
    }
  }
}

// The cuFFT path's equivalent: thread t converts bins of an R2C output row into the
// spectrum (bins t, t + threads, ...).
ASC_HD void powerFromComplex(int t, int threads, const Cf* row, int bins, const PipelineParams& p,
                             float* spectrum) {
  for (int k = t; k < bins; k += threads) {
    const Cf c = row[k];
    spectrum[k] = spectrumValue(c.x * c.x + c.y * c.y, p);
  }
}

// ---------------------------------------------------------------------------------------
// The filter bank on kFramesPerBlock spectra at once. Rows of the sparse bank (the kept
// bins of each band, as in the CPU's SparseBank) are cut into chunks of at most
// BankLayout::kChunkBins bins; a thread computes a chunk's partial sums for every frame
// of the block (one weight load, kFramesPerBlock multiply-adds), then the partial sums of
// each band are added in chunk order, so the result does not depend on the thread count.

constexpr int kFramesPerBlock = 4;  // one warp per frame
constexpr int kBlockThreads = 32 * kFramesPerBlock;

struct BankView {
  const BankChunk* chunks;
  const std::uint32_t* bandChunks;  // bands + 1 offsets into chunks
  const float* weights;
  int chunkCount;
  int bands;
};

// partial[c * kFramesPerBlock + f] for the chunks c = t, t + threads, ...; spectra of
// frame f start at spectra + f * spectrumStride.
ASC_HD void bankPartials(int t, int threads, const BankView& bank, const float* spectra,
                         int spectrumStride, float* partial) {
  for (int c = t; c < bank.chunkCount; c += threads) {
    const BankChunk chunk = bank.chunks[c];
    float acc[kFramesPerBlock];
    ASC_UNROLL
    for (int f = 0; f < kFramesPerBlock; ++f) acc[f] = 0.0f;
    const float* w = bank.weights + chunk.weight;
    const float* s = spectra + chunk.bin;
    for (int k = 0; k < static_cast<int>(chunk.length); ++k) {
      const float wk = w[k];
      ASC_UNROLL
      for (int f = 0; f < kFramesPerBlock; ++f) acc[f] += wk * s[f * spectrumStride + k];
    }
    ASC_UNROLL
    for (int f = 0; f < kFramesPerBlock; ++f) partial[c * kFramesPerBlock + f] = acc[f];
  }
}

// The largest float: the identity of max().
constexpr float kLowest = -3.402823466e38f;

// Band values of the block's first `frames` frames: rows out + f * bands; dB for
// 'power-db'. red[t * kFramesPerBlock + f] gets the largest value thread t wrote for f.
ASC_HD void bandValues(int t, int threads, const BankView& bank, const float* partial,
                       const PipelineParams& p, int frames, float* out, float* red) {
  float localMax[kFramesPerBlock];
  ASC_UNROLL
  for (int f = 0; f < kFramesPerBlock; ++f) localMax[f] = kLowest;
  for (int b = t; b < bank.bands; b += threads) {
    const int first = static_cast<int>(bank.bandChunks[b]);
    const int last = static_cast<int>(bank.bandChunks[b + 1]);
    ASC_UNROLL
    for (int f = 0; f < kFramesPerBlock; ++f) {
      if (f < frames) {
        float s = 0.0f;
        for (int c = first; c < last; ++c) s += partial[c * kFramesPerBlock + f];
        const float v = p.powerDb ? decibels(s) : s;
        out[f * bank.bands + b] = v;
        localMax[f] = v > localMax[f] ? v : localMax[f];
      }
    }
  }
  ASC_UNROLL
  for (int f = 0; f < kFramesPerBlock; ++f) red[t * kFramesPerBlock + f] = localMax[f];
}

// One step of the block's tree reduction of red (threads a power of two): the first
// `half` threads fold in the values of thread t + half.
ASC_HD void reduceMaxStep(int t, int half, float* red) {
  if (t < half) {
    ASC_UNROLL
    for (int f = 0; f < kFramesPerBlock; ++f) {
      const float other = red[(t + half) * kFramesPerBlock + f];
      float& mine = red[t * kFramesPerBlock + f];
      mine = other > mine ? other : mine;
    }
  }
}

// Floats as unsigned keys with the same order, so that a per-channel maximum is one
// integer atomicMax (exact and independent of the order of the updates). Key 0 is below
// every float's key.
ASC_HD std::uint32_t orderedKey(float f) {
  const std::uint32_t u = asc::floatBits(f);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

ASC_HD float keyFloat(std::uint32_t key) {
  return asc::bitsFloat((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// ---------------------------------------------------------------------------------------
// Lookups in a slot's tables (sorted by their base index).

// The last of `count` items (sorted by their `start` field, the first at 0) whose start
// is at most `value`: the channel holding a slot's frame, the clip holding an output item.
template <typename T>
ASC_HD int containing(const T* items, int count, std::uint32_t value, std::uint32_t T::*start) {
  int lo = 0;
  int hi = count - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (items[mid].*start <= value) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

ASC_HD int channelOfFrame(const StagedChannel* channels, int count, std::uint32_t g) {
  return containing(channels, count, g, &StagedChannel::frameBase);
}

ASC_HD int clipOfItem(const StagedClip* clips, int count, std::uint32_t i) {
  return containing(clips, count, i, &StagedClip::itemBase);
}

// ---------------------------------------------------------------------------------------
// The last step: clip each channel at its peak - topDb ('power-db'), mid = (L + R) / 2 and
// side = L - R (mono: the channel and 0), -topDb in the padding frames. Item i of the
// slot is (frame, band) of one clip; the two planes are interleaved (NHWC).
ASC_HD void finalItem(const StagedClip& clip, const StagedChannel* channels, const float* values,
                      const std::uint32_t* peakKeys, const PipelineParams& p, std::uint32_t item,
                      float& mid, float& side) {
  const std::uint32_t local = item - clip.itemBase;
  const std::uint32_t frame = local / static_cast<std::uint32_t>(p.bands);
  const std::uint32_t band = local - frame * static_cast<std::uint32_t>(p.bands);
  if (frame >= clip.frames) {
    mid = -p.topDb;
    side = -p.topDb;
    return;
  }
  auto channelValue = [&](std::uint32_t c) {
    const StagedChannel& ch = channels[c];
    const float v = values[(static_cast<std::size_t>(ch.frameBase) + frame) * p.bands + band];
    if (!p.powerDb) return v;
    const float floor = keyFloat(peakKeys[c]) - p.topDb;
    return v > floor ? v : floor;
  };
  const float l = channelValue(clip.channel);
  if (clip.channels > 1) {
    const float r = channelValue(clip.channel + 1);
    mid = 0.5f * (l + r);
    side = l - r;
  } else {
    mid = l;
    side = 0.0f;
  }
}

}  // namespace asc::cuda::features
