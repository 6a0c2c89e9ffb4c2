// A matrix product for small weight matrices used over and over: the 1x1 convolutions of
// an inference kernel (inverted_residual.h), called once per image row. The weights are
// packed once into panels of 32 columns; each call then runs register-blocked (rows x 32
// columns of sums in registers) with nothing to pack, where OpenBLAS packs its operands
// on every call. Each output adds its k products in order from zero, as sgemm (blas.h)
// does, then the bias.
#pragma once

#include <cstddef>
#include <vector>

namespace asc::kernels {

class PackedWeights {
 public:
  // w: [k x n] row-major (tfjs's [1, 1, in, out] filter).
  PackedWeights(const float* w, std::size_t k, std::size_t n);

  std::size_t k() const { return k_; }
  std::size_t n() const { return n_; }
  // Panel p: k rows of kPanel floats (columns [p * kPanel, p * kPanel + kPanel), zeros
  // past n).
  const float* panel(std::size_t p) const { return panels_.data() + p * k_ * kPanel; }

  static constexpr std::size_t kPanel = 32;

 private:
  std::size_t k_, n_;
  std::vector<float> panels_;
};

// c[m x n] (row stride ldc) = a[m x k] (row stride lda) * w + bias (per column; may be
// null).
void packedGemm(std::size_t m, const float* a, std::size_t lda, const PackedWeights& w,
                const float* bias, float* c, std::size_t ldc);

}  // namespace asc::kernels
