#include "kernels/matmul.h"

#include <algorithm>

#include "kernels/blas.h"
#include "kernels/parallel.h"

namespace asc::kernels {

void batchMatMul(const MatMulShape& s, const float* a, const float* b, const float* bias,
                 std::size_t biasLength, Activation activation, float leakyAlpha, float* out) {
  const std::size_t batch = std::max(s.batchA, s.batchB);
  const std::size_t lda = s.transposeA ? s.m : s.k;
  const std::size_t ldb = s.transposeB ? s.k : s.n;
  // Rows of op(A) from m0: with transposeA they are columns of A, so the pointer moves
  // by m0 and the leading dimension stays.
  auto rows = [&](std::size_t i, std::size_t m0, std::size_t m1) {
    const float* ai = a + (i % s.batchA) * s.m * s.k;
    const float* bi = b + (i % s.batchB) * s.k * s.n;
    float* oi = out + i * s.m * s.n + m0 * s.n;
    const float* aRows = s.transposeA ? ai + m0 : ai + m0 * s.k;
    sgemm(s.transposeA, s.transposeB, m1 - m0, s.n, s.k, 1.0f, aRows, lda, bi, ldb, 0.0f, oi, s.n);
    if (bias) {
      for (std::size_t r = 0; r < m1 - m0; ++r) {
        float* row = oi + r * s.n;
        if (biasLength == 1) {
          for (std::size_t j = 0; j < s.n; ++j) row[j] += bias[0];
        } else {
          for (std::size_t j = 0; j < s.n; ++j) row[j] += bias[j];
        }
      }
    }
    applyActivation(activation, leakyAlpha, oi, (m1 - m0) * s.n);
  };
  const std::size_t work = s.m * s.n * std::max<std::size_t>(s.k, 1);
  if (work < 64 * 1024) {
    for (std::size_t i = 0; i < batch; ++i) rows(i, 0, s.m);
    return;
  }
  // Row blocks of a fixed size across all matrices, so the products are cut in the same
  // places whatever the thread count.
  const std::size_t rowBlock = 64;
  const std::size_t blocksPerMatrix = (s.m + rowBlock - 1) / rowBlock;
  parallelRange(batch * blocksPerMatrix, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t t = b; t < e; ++t) {
      const std::size_t i = t / blocksPerMatrix, m0 = (t % blocksPerMatrix) * rowBlock;
      rows(i, m0, std::min(s.m, m0 + rowBlock));
    }
  });
}

}  // namespace asc::kernels
