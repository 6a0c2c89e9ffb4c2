#include "kernels/pad.h"

#include <algorithm>
#include <cstring>

#include "kernels/parallel.h"

namespace asc::kernels {

void padConstant(const float* x, const Shape& inShape, const Shape& before, const Shape& after,
                 float value, float* out) {
  const std::size_t rank = inShape.size();
  std::size_t total = 1;
  for (std::size_t d = 0; d < rank; ++d) total *= before[d] + inShape[d] + after[d];
  // The dims behind the last padded one are copied whole: a row is that padded dim times
  // their block (NHWC padded in H and W: rows of (W + pads) * C values).
  std::size_t last = rank;
  while (last > 0 && before[last - 1] == 0 && after[last - 1] == 0) --last;
  if (total == 0) return;
  if (last == 0) {
    std::memcpy(out, x, total * sizeof(float));
    return;
  }
  const std::size_t axis = last - 1;
  std::size_t block = 1;
  for (std::size_t d = last; d < rank; ++d) block *= inShape[d];
  const std::size_t lead = before[axis] * block, copy = inShape[axis] * block;
  const std::size_t rowOut = lead + copy + after[axis] * block;
  const std::size_t rows = total / rowOut;
  const std::size_t grain = std::max<std::size_t>(1, kStreamGrain / rowOut);
  parallelRange(rows, grain, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) {
      float* dst = out + r * rowOut;
      // The input row of output row r, unless one of its outer indices is in a border.
      std::size_t rest = r, inRow = 0, inStride = 1;
      bool border = false;
      for (std::size_t d = axis; d-- > 0;) {
        const std::size_t outDim = before[d] + inShape[d] + after[d];
        const std::size_t idx = rest % outDim;
        rest /= outDim;
        if (idx < before[d] || idx >= before[d] + inShape[d]) {
          border = true;
          break;
        }
        inRow += (idx - before[d]) * inStride;
        inStride *= inShape[d];
      }
      if (border) {
        std::fill(dst, dst + rowOut, value);
        continue;
      }
      std::fill(dst, dst + lead, value);
      // An empty input may come without memory: memcpy needs a valid pointer even then.
      if (copy > 0) std::memcpy(dst + lead, x + inRow * copy, copy * sizeof(float));
      std::fill(dst + lead + copy, dst + rowOut, value);
    }
  });
}

}  // namespace asc::kernels
