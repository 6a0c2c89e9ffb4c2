#include "kernels/packed_gemm.h"

#include <algorithm>
#include <cstring>

#include "kernels/floats16.h"

namespace asc::kernels {

namespace {

// Rows of sums kept in registers: 8 x 32 floats is 16 of AVX-512's 32 vector registers,
// enough independent sums to hide the multiply-adds' latency, and image rows (64 pixels
// in the zoo's first blocks) split into whole blocks; with 16 registers (AVX2 and older)
// 3 rows of 32 leave room for the operands.
#if defined(__AVX512F__)
constexpr std::size_t kBlockRows = 8;
#else
constexpr std::size_t kBlockRows = 3;
#endif

// Rows [0, R) of `a` x the 32 columns of panel `b`; `columns` of them (<= 32) are stored.
template <std::size_t R>
inline void block(const GemmRows& a, const float* b, std::size_t k, const float* bias,
                  std::size_t columns, float* c, std::size_t ldc) {
  Floats16 acc[R][2] = {};
  const std::size_t run = k / a.runs;
  for (std::size_t s = 0; s < a.runs; ++s) {
    const float* as = a.a + s * a.runStep;
    const float* bs = b + s * run * PackedWeights::kPanel;
    for (std::size_t t = 0; t < run; ++t) {
      const Floats16 b0 = load16(bs + t * PackedWeights::kPanel);
      const Floats16 b1 = load16(bs + t * PackedWeights::kPanel + 16);
      for (std::size_t r = 0; r < R; ++r) {
        const float av = as[r * a.rowStep + t];
        acc[r][0] += av * b0;
        acc[r][1] += av * b1;
      }
    }
  }
  if (bias) {
    // The bias padded to the panel, so that it adds as two vectors.
    float padded[PackedWeights::kPanel] = {};
    std::memcpy(padded, bias, columns * sizeof(float));
    const Floats16 bias0 = load16(padded), bias1 = load16(padded + 16);
    for (std::size_t r = 0; r < R; ++r) {
      acc[r][0] += bias0;
      acc[r][1] += bias1;
    }
  }
  for (std::size_t r = 0; r < R; ++r) {
    float* row = c + r * ldc;
    if (columns == PackedWeights::kPanel) {
      std::memcpy(row, &acc[r][0], sizeof acc[r][0]);
      std::memcpy(row + 16, &acc[r][1], sizeof acc[r][1]);
    } else {
      float out[PackedWeights::kPanel];
      std::memcpy(out, &acc[r][0], sizeof acc[r][0]);
      std::memcpy(out + 16, &acc[r][1], sizeof acc[r][1]);
      std::memcpy(row, out, columns * sizeof(float));
    }
  }
}

}  // namespace

PackedWeights::PackedWeights(const float* w, std::size_t k, std::size_t n)
    : k_(k), n_(n), panels_(((n + kPanel - 1) / kPanel) * k * kPanel, 0.0f) {
  for (std::size_t j = 0; k > 0 && j < n; ++j) {
    float* p = panels_.data() + (j / kPanel) * k * kPanel + j % kPanel;
    for (std::size_t kk = 0; kk < k; ++kk) p[kk * kPanel] = w[kk * n + j];
  }
}

void packedGemm(std::size_t m, const GemmRows& a, const PackedWeights& w, const float* bias,
                float* c, std::size_t ldc) {
  const std::size_t n = w.n(), k = w.k();
  for (std::size_t j = 0; j < n; j += PackedWeights::kPanel) {
    const float* b = w.panel(j / PackedWeights::kPanel);
    const float* bj = bias ? bias + j : nullptr;
    const std::size_t columns = std::min(PackedWeights::kPanel, n - j);
    const auto rows = [&](std::size_t i) {
      return GemmRows{a.a + i * a.rowStep, a.rowStep, a.runs, a.runStep};
    };
    std::size_t i = 0;
    for (; i + kBlockRows <= m; i += kBlockRows) {
      block<kBlockRows>(rows(i), b, k, bj, columns, c + i * ldc + j, ldc);
    }
    for (; i + 4 <= m; i += 4) block<4>(rows(i), b, k, bj, columns, c + i * ldc + j, ldc);
    for (; i + 2 <= m; i += 2) block<2>(rows(i), b, k, bj, columns, c + i * ldc + j, ldc);
    for (; i < m; ++i) block<1>(rows(i), b, k, bj, columns, c + i * ldc + j, ldc);
  }
}

}  // namespace asc::kernels
