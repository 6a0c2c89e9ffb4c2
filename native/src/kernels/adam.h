// The optimiser step of the trainer's AdamL2 as one kernel.
#pragma once

#include <cstddef>

namespace asc::kernels {

// One Adam step with L2 weight decay, as PyTorch's Adam(weight_decay=wd) and the
// trainer's AdamL2 compute it, per element: g' = g + wd * w (when wd > 0), m' = b1 m +
// (1 - b1) g', v' = b2 v + (1 - b2) g'^2, w' = w - stepSize * m' / (sqrt(v') / sqrtC2 +
// epsilon), with stepSize = lr / (1 - b1^t) and sqrtC2 = sqrt(1 - b2^t). One pass where
// the same chain of tensor ops takes a dozen (each a kernel call and a temporary).
struct AdamParams {
  float beta1;
  float beta2;
  float epsilon;
  float weightDecay;
  float stepSize;
  float sqrtC2;
};
void adamStep(const float* w, const float* g, const float* m, const float* v, std::size_t n,
              const AdamParams& p, float* wOut, float* mOut, float* vOut);

}  // namespace asc::kernels
