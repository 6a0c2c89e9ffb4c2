// The filter bank applied to power spectra: each row keeps only the contiguous range of
// bins where its weight matters, so a frame costs ~8,800 multiply-adds (default bank)
// instead of 131,000.
#pragma once

#include <vector>

#include "features/filterbank.h"

namespace asc::features {

class SparseBank {
 public:
  // Drops weights below kRelativeFloor times the bank's largest weight (the .cc says why
  // that moves a kept dB value by under 0.005 dB even in the worst case).
  explicit SparseBank(const MorletBank& bank);

  int bands() const { return bands_; }
  int bins() const { return bins_; }
  std::size_t nonZeros() const { return weights_.size(); }

  // The kept bins of row b: first bin, count and weights (the CUDA path's layout is made
  // from these, so both paths drop the same weights).
  int rowBegin(int b) const { return begin_[b]; }
  int rowLength(int b) const { return length_[b]; }
  const float* rowWeights(int b) const { return weights_.data() + offset_[b]; }

  // Frames are processed kBlock at a time, interleaved (spectra[k * kBlock + f]), so each
  // kept weight is one 8-wide multiply-add: short rows then cost no horizontal sums.
  static constexpr int kBlock = 8;

  // out[b * kBlock + f] = sum_k weights[b, k] * spectra[k * kBlock + f] over the kept bins.
  void applyBlock(const float* spectra, float* out) const;

  static constexpr double kRelativeFloor = 1e-13;

 private:
  int bands_;
  int bins_;
  std::vector<int> begin_;      // first kept bin of each row
  std::vector<int> length_;     // kept bins of each row
  std::vector<int> offset_;     // row start in weights_
  std::vector<float> weights_;  // the kept weights, rows back to back
};

}  // namespace asc::features
