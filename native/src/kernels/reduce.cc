#include "kernels/reduce.h"

#include <algorithm>
#include <vector>

#include "kernels/parallel.h"

namespace asc::kernels {

void sumReduce(const float* x, std::size_t outer, std::size_t reduce, std::size_t inner,
               double scale, float* out) {
  if (inner == 1) {
    // Row sums: eight double lanes so the loop vectorises without reassociation flags.
    const std::size_t grain =
        std::max<std::size_t>(1, kStreamGrain / std::max<std::size_t>(1, reduce));
    parallelRange(outer, grain, [&](std::size_t o0, std::size_t o1) {
      for (std::size_t o = o0; o < o1; ++o) {
        const float* row = x + o * reduce;
        double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t r = 0;
        for (; r + 8 <= reduce; r += 8) {
          for (int j = 0; j < 8; ++j) lanes[j] += row[r + j];
        }
        double s = 0;
        for (; r < reduce; ++r) s += row[r];
        for (int j = 0; j < 8; ++j) s += lanes[j];
        out[o] = static_cast<float>(s * scale);
      }
    });
    return;
  }
  // Column sums: float partial sums over blocks of 64 rows (vectorised without
  // conversions), flushed into double accumulators.
  auto columnSums = [inner](const float* block, std::size_t r0, std::size_t r1, double* acc) {
    float* partial = threadScratch(inner);
    for (std::size_t b0 = r0; b0 < r1; b0 += 64) {
      const std::size_t b1 = std::min(r1, b0 + 64);
      std::fill(partial, partial + inner, 0.0f);
      for (std::size_t r = b0; r < b1; ++r) {
        const float* row = block + r * inner;
        for (std::size_t i = 0; i < inner; ++i) partial[i] += row[i];
      }
      for (std::size_t i = 0; i < inner; ++i) acc[i] += partial[i];
    }
  };
  if (outer >= kReductionParts) {
    parallelRange(outer, 1, [&](std::size_t o0, std::size_t o1) {
      std::vector<double> acc(inner);
      for (std::size_t o = o0; o < o1; ++o) {
        std::fill(acc.begin(), acc.end(), 0.0);
        columnSums(x + o * reduce * inner, 0, reduce, acc.data());
        for (std::size_t i = 0; i < inner; ++i) {
          out[o * inner + i] = static_cast<float>(acc[i] * scale);
        }
      }
    });
    return;
  }
  // Few outer blocks (batch-norm statistics: one): split the reduced rows into
  // parts with private accumulators, merged in part order.
  const std::size_t parts = partCount(reduce * inner, kStreamGrain);
  std::vector<double> acc(parts * inner);
  for (std::size_t o = 0; o < outer; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const float* block = x + o * reduce * inner;
    forEachPart(reduce, parts, [&](std::size_t p, std::size_t r0, std::size_t r1) {
      columnSums(block, r0, r1, acc.data() + p * inner);
    });
    for (std::size_t i = 0; i < inner; ++i) {
      double s = 0;
      for (std::size_t p = 0; p < parts; ++p) s += acc[p * inner + i];
      out[o * inner + i] = static_cast<float>(s * scale);
    }
  }
}

}  // namespace asc::kernels
