// 16 floats as one value (GCC's vector extension: one AVX-512 register, two AVX ones),
// for the kernels that keep blocks of sums in registers (depthwise.cc, packed_gemm.cc):
// GCC keeps arrays of these in registers where it does not reliably do so for float[16]
// arrays indexed by runtime strides. Arithmetic on them rounds as on floats, lane by lane.
#pragma once

#include <cstring>

namespace asc::kernels {

typedef float Floats16 __attribute__((vector_size(64)));

// Floats16 from 16 floats at any alignment.
inline Floats16 load16(const float* p) {
  Floats16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace asc::kernels
