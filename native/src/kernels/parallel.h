// Work-splitting helpers shared by the kernels, on top of asc::kernelPool().
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "common/thread_pool.h"

namespace asc::kernels {

// Calls body(begin, end) over [0, n) in chunks of at least `grain`, in parallel.
template <class Body>
void parallelRange(std::size_t n, std::size_t grain, Body&& body) {
  kernelPool().parallelFor(n, grain, [&](std::size_t b, std::size_t e) { body(b, e); });
}

// The number of fixed parts a reduction over n items is split into: one per thread, so
// each part can own a private accumulator that is merged in part order afterwards (the
// result does not depend on scheduling).
inline std::size_t partCount(std::size_t n, std::size_t minPerPart) {
  const std::size_t byWork = std::max<std::size_t>(1, n / std::max<std::size_t>(1, minPerPart));
  return std::max<std::size_t>(1, std::min<std::size_t>(kernelPool().threads(), byWork));
}

// Calls body(part, begin, end) for `parts` contiguous ranges covering [0, n).
template <class Body>
void forEachPart(std::size_t n, std::size_t parts, Body&& body) {
  kernelPool().parallelFor(parts, 1, [&](std::size_t pb, std::size_t pe) {
    for (std::size_t p = pb; p < pe; ++p) body(p, n * p / parts, n * (p + 1) / parts);
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
