// Batched matrix products as tfjs's BatchMatMul / _FusedMatMul define them: out[i] =
// op(a[i % batchA]) * op(b[i % batchB]) for i < max(batchA, batchB), then optional bias
// (length n, or 1) and activation.
#pragma once

#include <cstddef>

#include "kernels/activation.h"
#include "kernels/geometry.h"

namespace asc::kernels {

struct MatMulShape {
  std::size_t batchA = 1, batchB = 1;
  std::size_t m = 0, n = 0, k = 0;  // out is [max(batchA, batchB), m, n]
  bool transposeA = false, transposeB = false;
};

void batchMatMul(const MatMulShape& s, const float* a, const float* b, const float* bias,
                 std::size_t biasLength, Activation activation, float leakyAlpha, float* out);

}  // namespace asc::kernels
