// Plain-old-data tables the host fills and the kernels read: the pipeline's parameters,
// the clips and channels staged in one slot, the filter bank's chunks. The same bytes
// travel to the device unchanged, so these hold only fixed-width fields.
#pragma once

#include <cstdint>

namespace asc::cuda::features {

struct PipelineParams {
  int nFft;
  int halfFft;  // nFft / 2: the reflect padding on each side
  int hopSamples;
  int windowStart;  // (nFft - windowSamples) / 2
  int windowSamples;
  int bands;
  int bins;     // nFft / 2 + 1
  int powerDb;  // 1: 'power-db' (dB after the bank, clipped); 0: 'log-magnitude'
  float topDb;
};

// One channel of one clip in a slot: its samples start at sampleOffset in the slot's
// input, its frames are the slot's frames frameBase .. frameBase + frames - 1.
struct StagedChannel {
  std::uint32_t sampleOffset;
  std::uint32_t samples;
  std::uint32_t frames;
  std::uint32_t frameBase;
};

// One clip in a slot: channels channel .. channel + channels - 1 (1 or 2), and its output
// items (frame, band) itemBase .. itemBase + paddedFrames * bands - 1, two values each.
struct StagedClip {
  std::uint32_t channel;
  std::uint32_t channels;
  std::uint32_t frames;        // valid frames
  std::uint32_t paddedFrames;  // a multiple of segmentFrames
  std::uint32_t itemBase;
};

// A run of kept filter-bank weights of one band: bins bin .. bin + length - 1, weights at
// weight .. weight + length - 1 of the weight array.
struct BankChunk {
  std::uint32_t band;
  std::uint32_t bin;
  std::uint32_t length;
  std::uint32_t weight;
};

}  // namespace asc::cuda::features
