// Code shared by CUDA kernels and plain C++: functions marked ASC_HD compile as
// __host__ __device__ under nvcc and as ordinary inline functions under g++, so the
// device-side arithmetic is unit-tested on machines without a GPU (the addon runs it on
// the host, see cuda/features/emulated_executor.cc).
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define ASC_HD __host__ __device__ __forceinline__
#else
#define ASC_HD inline
#endif

// Full unrolling (register arrays must be indexed by compile-time constants on the
// device). nvcc's host pass gets nothing: its front end knows neither pragma there.
#if defined(__CUDA_ARCH__)
#define ASC_UNROLL _Pragma("unroll")
#elif defined(__CUDACC__)
#define ASC_UNROLL
#else
#define ASC_UNROLL _Pragma("GCC unroll 32")
#endif

namespace asc {

// The bits of a float and back (bit casts that vectorise on the host and are single
// moves on the device).
ASC_HD std::uint32_t floatBits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}

ASC_HD float bitsFloat(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

}  // namespace asc
