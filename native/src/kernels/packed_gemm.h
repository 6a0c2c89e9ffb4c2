// A matrix product for small weight matrices used over and over: the 1x1 convolutions of
// the inverted residual kernel (inverted_residual.h), called once per image row, and
// convolutions with small windows (the stems: conv.h), whose rows of A are the windows
// themselves, read in place (no im2col copy). The weights are packed once into panels of
// 32 columns; each call then runs register-blocked (rows x 32 columns of sums in
// registers) with nothing to pack, where OpenBLAS packs its operands on every call. Each
// output adds its k products in order from zero, as sgemm (blas.h) does on im2col rows,
// then the bias.
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

// The rows of A in memory: row r's k values are `runs` runs of k / runs floats, run s
// starting at a + r * rowStep + s * runStep. A plain matrix is one run per row (rowStep =
// its row stride); the windows of a convolution without padding are filterHeight runs of
// filterWidth * inChannels floats (rowStep: the stride times the channels, runStep: an
// input row).
struct GemmRows {
  const float* a = nullptr;
  std::size_t rowStep = 0;
  std::size_t runs = 1;
  std::size_t runStep = 0;

  static GemmRows matrix(const float* a, std::size_t lda) { return {a, lda, 1, 0}; }
};

// c[m x n] (row stride ldc) = A[m x k] * w + bias (per column; may be null).
void packedGemm(std::size_t m, const GemmRows& a, const PackedWeights& w, const float* bias,
                float* c, std::size_t ldc);

}  // namespace asc::kernels
