// OpenBLAS sgemm behind one row-major call. OpenBLAS is loaded on first use (see
// blas.cc for why), pinned to one thread per call.
#pragma once

#include <cstddef>
#include <string>

namespace asc::kernels {

// Loads OpenBLAS if not yet done; returns why it could not be loaded ("" when it was).
std::string loadBlas();

// The name of the kernel set OpenBLAS selected for this CPU.
std::string blasCoreName();

// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major.
void sgemm(bool transA, bool transB, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
           std::size_t ldc);

}  // namespace asc::kernels
