// OpenBLAS sgemm behind one row-major call, and the switch that keeps OpenBLAS on the
// calling thread: the kernels split their work across asc::kernelPool() themselves, and
// OpenBLAS's own threads on top would oversubscribe the cores.
#pragma once

#include <cstddef>

namespace asc::kernels {

// Pins OpenBLAS to one thread per call; idempotent.
void useSingleThreadedBlas();

// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major.
void sgemm(bool transA, bool transB, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
           std::size_t ldc);

}  // namespace asc::kernels
