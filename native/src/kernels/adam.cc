#include "kernels/adam.h"

#include <cmath>

#include "kernels/parallel.h"

namespace asc::kernels {

void adamStep(const float* w, const float* g, const float* m, const float* v, std::size_t n,
              const AdamParams& p, float* wOut, float* mOut, float* vOut) {
  const float oneMinusBeta1 = 1.0f - p.beta1, oneMinusBeta2 = 1.0f - p.beta2;
  parallelRange(n, kStreamGrain, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const float gi = p.weightDecay > 0.0f ? g[i] + w[i] * p.weightDecay : g[i];
      const float mi = m[i] * p.beta1 + gi * oneMinusBeta1;
      const float vi = v[i] * p.beta2 + gi * gi * oneMinusBeta2;
      mOut[i] = mi;
      vOut[i] = vi;
      wOut[i] = w[i] - mi / (std::sqrt(vi) / p.sqrtC2 + p.epsilon) * p.stepSize;
    }
  });
}

}  // namespace asc::kernels
