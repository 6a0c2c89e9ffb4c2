#include "features/sparse_bank.h"

#include <algorithm>
#include <cmath>

namespace asc::features {

// Why 1e-13: a dropped weight w can lose at most w * P_max, with P_max the largest power
// in the clip. Any kept dB value is at least max(D) - 80 dB, i.e. S >= 1e-8 * S_max, and
// S_max >= P_max * (peak weight ~ 0.9). The relative error is then below
// (sum of dropped weights) / 1e-8 ~ 1e-13 * (hundreds of bins) / 1e-8 < 1e-3, i.e. under
// 0.005 dB in the worst case and far less on real audio.
SparseBank::SparseBank(const MorletBank& bank) : bands_(bank.bands), bins_(bank.bins) {
  double peak = 0;
  for (double w : bank.weights) peak = std::max(peak, std::abs(w));
  const double floor = kRelativeFloor * peak;
  begin_.resize(bands_);
  length_.resize(bands_);
  offset_.resize(bands_);
  for (int b = 0; b < bands_; ++b) {
    const double* row = bank.weights.data() + static_cast<std::size_t>(b) * bins_;
    int lo = 0;
    int hi = bins_;
    while (lo < hi && std::abs(row[lo]) < floor) ++lo;
    while (hi > lo && std::abs(row[hi - 1]) < floor) --hi;
    begin_[b] = lo;
    length_[b] = hi - lo;
    offset_[b] = static_cast<int>(weights_.size());
    for (int k = lo; k < hi; ++k) weights_.push_back(static_cast<float>(row[k]));
  }
}

void SparseBank::apply(const float* spectrum, float* out) const {
  for (int b = 0; b < bands_; ++b) {
    const float* w = weights_.data() + offset_[b];
    const float* s = spectrum + begin_[b];
    const int n = length_[b];
    // Eight independent partial sums let the compiler vectorise without -ffast-math.
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int k = 0;
    for (; k + 8 <= n; k += 8) {
      for (int j = 0; j < 8; ++j) acc[j] += w[k + j] * s[k + j];
    }
    float total = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; k < n; ++k) total += w[k] * s[k];
    out[b] = total;
  }
}

}  // namespace asc::features
