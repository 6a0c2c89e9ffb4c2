// Host-side planning of the CUDA feature pipeline (plain C++, both builds): the kernels'
// parameters and tables, the filter bank's chunk layout, and how clips are packed into
// slots whose sizes keep device memory within a fixed budget.
//
// Memory model: the device holds `slots` slots (3: one being filled, one computing, one
// being written back), each with room for a fixed number of samples, frames, output items
// and descriptors, plus fixed tables. Nothing grows with the dataset; a clip too large
// for an empty slot is computed on the CPU instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cuda/features/pipeline_math.h"
#include "cuda/features/staging.h"
#include "features/config.h"
#include "features/sparse_bank.h"

namespace asc::cuda::features {

using asc::features::ScalogramConfig;
using asc::features::SparseBank;

// Why the device path cannot compute `config` with a bank of `bands` rows, or "".
std::string unsupportedReason(const ScalogramConfig& config, int bands);

PipelineParams pipelineParams(const ScalogramConfig& config, int bands);

// The sparse bank's rows cut into chunks of at most chunkBins bins, rows in order.
struct BankLayout {
  static constexpr int kChunkBins = 32;
  std::vector<BankChunk> chunks;
  std::vector<std::uint32_t>
      bandChunks;  // bands + 1: chunks of band b are [bandChunks[b], bandChunks[b + 1])
  std::vector<float> weights;
  int bands = 0;
  int bins = 0;
};
BankLayout planBank(const SparseBank& bank, int chunkBins = BankLayout::kChunkBins);

// The FFT twiddle tables of pipeline_math.h (double precision, rounded once).
struct FftTableData {
  std::vector<Cf> w32;    // 16
  std::vector<Cf> w1024;  // 1024
  std::vector<Cf> w2048;  // 513
};
FftTableData makeFftTables();

// What one clip takes in a slot.
struct ClipNeeds {
  int channels = 0;
  std::size_t samplesPerChannel = 0;
  std::size_t framesPerChannel = 0;
  std::size_t paddedFrames = 0;
  std::size_t samples = 0;  // all channels, each rounded up to kSampleAlignment
  std::size_t frames = 0;   // all channels
  std::size_t items = 0;    // paddedFrames * bands
};
constexpr std::size_t kSampleAlignment = 32;  // floats: channels start on 128-byte lines
ClipNeeds clipNeeds(std::size_t samplesPerChannel, int channels, const ScalogramConfig& config,
                    int bands);

struct SlotCapacity {
  std::size_t samples = 0;
  std::size_t frames = 0;
  std::size_t items = 0;
  std::size_t channels = 0;
  std::size_t clips = 0;
};

// The clips and channels staged in one slot, packed in arrival order.
class SlotLayout {
 public:
  void clear();
  // Appends the clip if it fits in `capacity`; returns its index in the slot, or -1.
  int add(const ClipNeeds& needs, const SlotCapacity& capacity);

  bool empty() const { return clips_.empty(); }
  const std::vector<StagedChannel>& channels() const { return channels_; }
  const std::vector<StagedClip>& clips() const { return clips_; }
  std::size_t samples() const { return samples_; }
  std::size_t frames() const { return frames_; }
  std::size_t items() const { return items_; }

 private:
  std::vector<StagedChannel> channels_;
  std::vector<StagedClip> clips_;
  std::size_t samples_ = 0;
  std::size_t frames_ = 0;
  std::size_t items_ = 0;
};

enum class FftKind { kBuiltin, kCufft };
const char* fftKindName(FftKind kind);

struct SlotPlan {
  int slots = 0;
  SlotCapacity capacity;
  std::size_t fftChunkFrames = 0;  // cuFFT: frames per transform call (its scratch); 0 otherwise
  std::uint64_t slotDeviceBytes = 0;
  std::uint64_t fixedDeviceBytes = 0;
  std::uint64_t slotHostBytes = 0;  // pinned staging: input samples and output values
  std::size_t clipsPerSlot = 0;     // of the typical clip the plan was sized for
  std::uint64_t deviceBytes() const {
    return fixedDeviceBytes + static_cast<std::uint64_t>(slots) * slotDeviceBytes;
  }
};

// Device bytes of one slot of `capacity` (input, dB values, output, peaks, descriptors,
// and for cuFFT the frames and spectra of one chunk plus the plan's work area).
std::uint64_t slotDeviceBytes(const SlotCapacity& capacity, int bands, int outValueBytes,
                              FftKind fft, std::size_t fftChunkFrames, int nFft,
                              std::uint64_t fftWorkBytes);

// Slots of whole typical clips, as many as fit fixed + slots * slot bytes in budgetBytes
// up to maxClipsPerSlot. Throws std::length_error naming the sizes when not even one
// clip fits.
SlotPlan planSlots(std::uint64_t budgetBytes, int slots, const ClipNeeds& typical, int bands,
                   int outValueBytes, FftKind fft, int nFft, std::uint64_t fixedDeviceBytes,
                   std::uint64_t fftWorkBytesPerFrame, std::size_t maxClipsPerSlot);

// Clips of 10 s per slot: 32k frames, 8k blocks per launch, enough to keep any current
// GPU busy; bigger slots only cost pinned memory (about 80 MiB a slot here) and the time
// to pin it when a batch starts.
constexpr std::size_t kMaxClipsPerSlot = 16;

// The most frames one cuFFT call transforms: its frames and spectra take 16 KiB a frame,
// so this bounds the scratch to 128 MiB per slot (8192 transforms per call).
constexpr std::size_t kMaxFftChunkFrames = 1 << 13;

}  // namespace asc::cuda::features
