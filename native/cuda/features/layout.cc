#include "cuda/features/layout.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "features/stft.h"

namespace asc::cuda::features {

std::string unsupportedReason(const ScalogramConfig& config, int bands) {
  if (config.nFft != kFftSize) {
    return "the CUDA path computes nFft = " + std::to_string(kFftSize) +
           " only (this config: nFft = " + std::to_string(config.nFft) + ")";
  }
  if (bands > 4096)
    return "the CUDA path computes at most 4096 bands (this config: " + std::to_string(bands) + ")";
  return "";
}

PipelineParams pipelineParams(const ScalogramConfig& config, int bands) {
  PipelineParams p;
  p.nFft = config.nFft;
  p.halfFft = config.nFft / 2;
  p.hopSamples = config.hopSamples;
  p.windowStart = (config.nFft - config.windowSamples) / 2;
  p.windowSamples = config.windowSamples;
  p.bands = bands;
  p.bins = config.nFft / 2 + 1;
  p.powerDb = config.scale == asc::features::ScaleKind::kPowerDb ? 1 : 0;
  p.topDb = static_cast<float>(config.topDb);
  return p;
}

BankLayout planBank(const SparseBank& bank, int chunkBins) {
  BankLayout layout;
  layout.bands = bank.bands();
  layout.bins = bank.bins();
  layout.bandChunks.push_back(0);
  for (int b = 0; b < bank.bands(); ++b) {
    const int begin = bank.rowBegin(b);
    const int length = bank.rowLength(b);
    const float* w = bank.rowWeights(b);
    for (int start = 0; start < length; start += chunkBins) {
      const int n = std::min(chunkBins, length - start);
      layout.chunks.push_back(
          {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(begin + start),
           static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(layout.weights.size())});
      layout.weights.insert(layout.weights.end(), w + start, w + start + n);
    }
    layout.bandChunks.push_back(static_cast<std::uint32_t>(layout.chunks.size()));
  }
  return layout;
}

FftTableData makeFftTables() {
  const double pi = std::acos(-1.0);
  auto twiddle = [pi](int k, int n) {
    const double a = -2.0 * pi * k / n;
    return Cf{static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
  };
  FftTableData t;
  for (int k = 0; k < kRadix / 2; ++k) t.w32.push_back(twiddle(k, kRadix));
  for (int k = 0; k < kFftHalf; ++k) t.w1024.push_back(twiddle(k, kFftHalf));
  for (int k = 0; k <= kFftHalf / 2; ++k) t.w2048.push_back(twiddle(k, kFftSize));
  return t;
}

ClipNeeds clipNeeds(std::size_t samplesPerChannel, int channels, const ScalogramConfig& config,
                    int bands) {
  ClipNeeds n;
  n.channels = channels;
  n.samplesPerChannel = samplesPerChannel;
  n.framesPerChannel =
      asc::features::stftFrameCount(samplesPerChannel, config.nFft, config.hopSamples);
  const std::size_t seg = static_cast<std::size_t>(config.segmentFrames);
  n.paddedFrames = (n.framesPerChannel + seg - 1) / seg * seg;
  const std::size_t aligned =
      (samplesPerChannel + kSampleAlignment - 1) / kSampleAlignment * kSampleAlignment;
  n.samples = aligned * channels;
  n.frames = n.framesPerChannel * channels;
  n.items = n.paddedFrames * static_cast<std::size_t>(bands);
  return n;
}

void SlotLayout::clear() {
  channels_.clear();
  clips_.clear();
  samples_ = frames_ = items_ = 0;
}

int SlotLayout::add(const ClipNeeds& needs, const SlotCapacity& capacity) {
  if (samples_ + needs.samples > capacity.samples || frames_ + needs.frames > capacity.frames ||
      items_ + needs.items > capacity.items ||
      channels_.size() + needs.channels > capacity.channels || clips_.size() + 1 > capacity.clips) {
    return -1;
  }
  StagedClip clip;
  clip.channel = static_cast<std::uint32_t>(channels_.size());
  clip.channels = static_cast<std::uint32_t>(needs.channels);
  clip.frames = static_cast<std::uint32_t>(needs.framesPerChannel);
  clip.paddedFrames = static_cast<std::uint32_t>(needs.paddedFrames);
  clip.itemBase = static_cast<std::uint32_t>(items_);
  const std::size_t stride = needs.samples / needs.channels;
  for (int c = 0; c < needs.channels; ++c) {
    channels_.push_back({static_cast<std::uint32_t>(samples_ + c * stride),
                         static_cast<std::uint32_t>(needs.samplesPerChannel),
                         static_cast<std::uint32_t>(needs.framesPerChannel),
                         static_cast<std::uint32_t>(frames_ + c * needs.framesPerChannel)});
  }
  clips_.push_back(clip);
  samples_ += needs.samples;
  frames_ += needs.frames;
  items_ += needs.items;
  return static_cast<int>(clips_.size()) - 1;
}

const char* fftKindName(FftKind kind) { return kind == FftKind::kCufft ? "cufft" : "builtin"; }

std::uint64_t slotDeviceBytes(const SlotCapacity& c, int bands, int outValueBytes, FftKind fft,
                              std::size_t fftChunkFrames, int nFft, std::uint64_t fftWorkBytes) {
  std::uint64_t bytes = 0;
  bytes += c.samples * sizeof(float);                                     // input
  bytes += c.frames * static_cast<std::uint64_t>(bands) * sizeof(float);  // band values
  bytes += c.items * 2ull * outValueBytes;                                // output
  bytes += c.channels * (sizeof(std::uint32_t) + sizeof(StagedChannel));  // peaks, channel table
  bytes += c.clips * sizeof(StagedClip);
  if (fft == FftKind::kCufft) {
    const std::uint64_t perFrame = nFft * sizeof(float) + (nFft / 2 + 1) * sizeof(Cf);
    bytes += fftChunkFrames * perFrame + fftWorkBytes;
  }
  return bytes;
}

SlotPlan planSlots(std::uint64_t budgetBytes, int slots, const ClipNeeds& typical, int bands,
                   int outValueBytes, FftKind fft, int nFft, std::uint64_t fixedDeviceBytes,
                   std::uint64_t fftWorkBytesPerFrame, std::size_t maxClipsPerSlot) {
  if (slots < 1) throw std::invalid_argument("planSlots: slots must be positive");
  auto capacityOf = [&](std::size_t clips) {
    SlotCapacity c;
    c.samples = typical.samples * clips;
    c.frames = typical.frames * clips;
    c.items = typical.items * clips;
    // Room for many short clips (a 1 s clip takes an eighth of a 10 s one's output, its
    // padding included); descriptors cost little.
    c.channels = 16 * clips;
    c.clips = 16 * clips;
    return c;
  };
  auto chunkOf = [&](const SlotCapacity& c) {
    return fft == FftKind::kCufft ? std::min<std::size_t>(c.frames, kMaxFftChunkFrames) : 0;
  };
  auto bytesOf = [&](std::size_t clips) {
    const SlotCapacity c = capacityOf(clips);
    const std::size_t chunk = chunkOf(c);
    return slotDeviceBytes(c, bands, outValueBytes, fft, chunk, nFft, chunk * fftWorkBytesPerFrame);
  };
  const std::uint64_t perSlot =
      budgetBytes > fixedDeviceBytes ? (budgetBytes - fixedDeviceBytes) / slots : 0;
  // bytesOf grows with clips: find the largest count that fits by doubling then bisecting.
  std::size_t lo = 0;
  std::size_t hi = 1;
  while (lo < maxClipsPerSlot && bytesOf(hi) <= perSlot) {
    lo = hi;
    hi *= 2;
  }
  lo = std::min(lo, maxClipsPerSlot);
  hi = std::min(hi, maxClipsPerSlot + 1);
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (bytesOf(mid) <= perSlot) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) {
    const std::uint64_t needed = fixedDeviceBytes + slots * bytesOf(1);
    throw std::length_error("a device memory budget of " + std::to_string(budgetBytes >> 20) +
                            " MiB is too small: " + std::to_string(slots) + " slots of one " +
                            std::to_string(typical.channels) + "-channel clip of " +
                            std::to_string(typical.samplesPerChannel) + " samples need " +
                            std::to_string((needed + (1u << 20) - 1) >> 20) + " MiB");
  }
  SlotPlan plan;
  plan.slots = slots;
  plan.clipsPerSlot = lo;
  plan.capacity = capacityOf(lo);
  plan.fftChunkFrames = chunkOf(plan.capacity);
  plan.slotDeviceBytes = bytesOf(lo);
  plan.fixedDeviceBytes = fixedDeviceBytes;
  plan.slotHostBytes =
      plan.capacity.samples * sizeof(float) + plan.capacity.items * 2ull * outValueBytes;
  return plan;
}

}  // namespace asc::cuda::features
