// Work-splitting helpers shared by the kernels, on top of asc::kernelPool().
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "common/thread_pool.h"

namespace asc::kernels {

// Elements per parallel chunk of a streaming loop: big enough to amortise a fork-join.
constexpr std::size_t kStreamGrain = 32 * 1024;

// Calls body(begin, end) over [0, n) in chunks of at least `grain`, in parallel.
template <class Body>
void parallelRange(std::size_t n, std::size_t grain, Body&& body) {
  kernelPool().parallelFor(n, grain, [&](std::size_t b, std::size_t e) { body(b, e); });
}

// Most parts a reduction is split into, whatever the thread count: enough to keep 16
// threads busy, and fixed so that sums (and the weights a training run ends with) are
// the same on 1 thread or 16.
constexpr std::size_t kReductionParts = 16;

// The number of fixed parts a reduction over n items is split into (at least minPerPart
// items each, at most kReductionParts): each part owns a private accumulator merged in
// part order afterwards, so the result depends on neither scheduling nor thread count.
inline std::size_t partCount(std::size_t n, std::size_t minPerPart) {
  const std::size_t byWork = std::max<std::size_t>(1, n / std::max<std::size_t>(1, minPerPart));
  return std::min(kReductionParts, byWork);
}

// Calls body(part, begin, end) for `parts` contiguous ranges covering [0, n).
template <class Body>
void forEachPart(std::size_t n, std::size_t parts, Body&& body) {
  kernelPool().parallelFor(parts, 1, [&](std::size_t pb, std::size_t pe) {
    for (std::size_t p = pb; p < pe; ++p) body(p, n * p / parts, n * (p + 1) / parts);
  });
}

// Calls body(begin, end) for the blocks [k * block, (k + 1) * block) of [0, n), in
// parallel. Unlike parallelRange's chunks, the blocks do not depend on the thread count:
// for work whose rounding depends on where it is cut (sgemm calls over row ranges).
template <class Body>
void forEachBlock(std::size_t n, std::size_t block, Body&& body) {
  parallelRange((n + block - 1) / block, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t t = b; t < e; ++t) body(t * block, std::min(n, (t + 1) * block));
  });
}

// A per-thread scratch buffer of at least n floats (contents unspecified). `slot`
// separates buffers that one kernel needs at the same time.
inline float* threadScratch(std::size_t n, int slot = 0) {
  thread_local std::vector<float> buffers[2];
  std::vector<float>& b = buffers[slot];
  if (b.size() < n) b.resize(n);
  return b.data();
}

}  // namespace asc::kernels
