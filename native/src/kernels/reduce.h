// Sum reductions over float32, in double, with results that do not depend on the thread
// count (parallel.h).
#pragma once

#include <cstddef>

namespace asc::kernels {

// x viewed as [outer, reduce, inner]: out[o, i] = scale * sum_r x[o, r, i], summed in
// double.
void sumReduce(const float* x, std::size_t outer, std::size_t reduce, std::size_t inner,
               double scale, float* out);

}  // namespace asc::kernels
