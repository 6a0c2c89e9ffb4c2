#include "audio/resample.h"

#include <soxr.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace asc::audio {

namespace {

unsigned long recipeOf(ResampleQuality q) {
  switch (q) {
    case ResampleQuality::kQuick:
      return SOXR_QQ;
    case ResampleQuality::kLow:
      return SOXR_LQ;
    case ResampleQuality::kMedium:
      return SOXR_MQ;
    case ResampleQuality::kHigh:
      return SOXR_HQ;
    case ResampleQuality::kVeryHigh:
      return SOXR_VHQ;
  }
  return SOXR_HQ;
}

}  // namespace

const char* resampleQualityName(ResampleQuality quality) {
  switch (quality) {
    case ResampleQuality::kQuick:
      return "qq";
    case ResampleQuality::kLow:
      return "lq";
    case ResampleQuality::kMedium:
      return "mq";
    case ResampleQuality::kHigh:
      return "hq";
    case ResampleQuality::kVeryHigh:
      return "vhq";
  }
  return "hq";
}

ResampleQuality resampleQualityFromName(const std::string& name) {
  for (ResampleQuality q :
       {ResampleQuality::kQuick, ResampleQuality::kLow, ResampleQuality::kMedium,
        ResampleQuality::kHigh, ResampleQuality::kVeryHigh}) {
    if (name == resampleQualityName(q)) return q;
  }
  throw std::invalid_argument("resample quality must be one of qq, lq, mq, hq, vhq, got '" + name +
                              "'");
}

std::string soxrVersion() { return soxr_version(); }

void Resampler::Deleter::operator()(soxr* s) const { soxr_delete(s); }

Resampler::Resampler() = default;
Resampler::~Resampler() = default;

void Resampler::start(int inRateHz, int outRateHz, std::size_t channels, ResampleQuality quality,
                      std::int64_t expectedFrames, std::vector<std::vector<float>>& out) {
  if (!soxr_ || inRateHz != inRateHz_ || outRateHz != outRateHz_ || channels != channels_ ||
      quality != quality_) {
    soxr_.reset();
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_S, SOXR_FLOAT32_S);
    const soxr_quality_spec_t q = soxr_quality_spec(recipeOf(quality), 0);
    // One thread: the batch already runs one clip per thread.
    const soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
    soxr_error_t error = nullptr;
    soxr_.reset(soxr_create(inRateHz, outRateHz, static_cast<unsigned>(channels), &error, &io, &q,
                            &runtime));
    if (error || !soxr_)
      throw std::runtime_error(std::string("soxr: ") +
                               (error ? error : "cannot create a resampler"));
    inRateHz_ = inRateHz;
    outRateHz_ = outRateHz;
    channels_ = channels;
    quality_ = quality;
  } else if (soxr_error_t error = soxr_clear(soxr_.get())) {
    throw std::runtime_error(std::string("soxr: ") + error);
  }
  framesIn_ = 0;
  done_ = 0;
  src_.assign(channels, nullptr);
  dst_.assign(channels, nullptr);
  out.resize(channels);
  for (auto& plane : out) plane.clear();
  if (expectedFrames > 0) {
    reserve(static_cast<std::size_t>(
                static_cast<std::uint64_t>(expectedFrames) * outRateHz / inRateHz + 64),
            out);
  }
}

void Resampler::reserve(std::size_t room, std::vector<std::vector<float>>& out) {
  for (auto& plane : out) {
    if (plane.size() < done_ + room)
      plane.resize(std::max(done_ + room, plane.size() + plane.size() / 2));
  }
}

void Resampler::process(const float* const* in, std::size_t frames,
                        std::vector<std::vector<float>>& out) {
  // At most this many outputs per call; soxr keeps the rest for the next.
  const std::size_t room =
      static_cast<std::size_t>(static_cast<std::uint64_t>(frames) * outRateHz_ / inRateHz_) + 256;
  std::size_t used = 0;
  for (;;) {
    reserve(room, out);
    for (std::size_t c = 0; c < channels_; ++c) {
      if (in) src_[c] = in[c] + used;
      dst_[c] = out[c].data() + done_;
    }
    std::size_t u = 0;
    std::size_t made = 0;
    if (soxr_error_t error = soxr_process(soxr_.get(), in ? src_.data() : nullptr, frames - used,
                                          &u, dst_.data(), room, &made)) {
      throw std::runtime_error(std::string("soxr: ") + error);
    }
    used += u;
    done_ += made;
    // Pushing: until soxr has taken the block. Flushing (in == nullptr): until it has no
    // more to give.
    if (in ? used == frames : made == 0) return;
  }
}

void Resampler::push(const float* const* in, std::size_t frames,
                     std::vector<std::vector<float>>& out) {
  if (frames == 0) return;
  framesIn_ += frames;
  process(in, frames, out);
}

void Resampler::finish(std::vector<std::vector<float>>& out) {
  process(nullptr, 0, out);
  // librosa's length: ceil(frames * out / in), in integers.
  const std::uint64_t in = static_cast<std::uint64_t>(inRateHz_);
  const std::size_t length =
      static_cast<std::size_t>((framesIn_ * static_cast<std::uint64_t>(outRateHz_) + in - 1) / in);
  // Past done_ the planes hold the zeros reserve() put there.
  for (auto& plane : out) plane.resize(length);
}

}  // namespace asc::audio
