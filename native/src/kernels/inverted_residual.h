// The inverted residual block of MobileNet V2 (and of the zoo's IRwLB module) as one
// inference kernel: 1x1 expansion + bias + activation, depthwise k x k + bias +
// activation, 1x1 projection + bias + activation, plus the block's input when the block
// keeps its shape. The expanded activations (three times the block's width, the largest
// tensors of the zoo's models) never leave the cache: each image is walked row by row,
// the expansion of the last filterHeight input rows kept in a ring, so every layer's
// output is consumed while it is still in L2. For inference models (batch norms folded
// into the convolutions); there is no gradient.
#pragma once

#include "kernels/activation.h"
#include "kernels/geometry.h"

namespace asc::kernels {

struct InvertedResidualShape {
  // The depthwise convolution's geometry: batch, the block's height and width, the
  // expanded channels (inChannels == outChannels), filter, stride, padding, output size.
  ConvGeometry depthwise;
  int inChannels = 0;   // of the block's input (the expansion's input)
  int outChannels = 0;  // of the projection
  // Adds the block's input to the projection (needs stride 1 and inChannels == outChannels).
  bool residual = false;
  // Average-pools the block's output over averagePool x averagePool windows at that
  // stride, without padding (1: no pooling): the zoo's blocks end with a 2 x 2 pool, and
  // pooling rows in cache saves writing the block's full-size output and reading it back.
  int averagePool = 1;
};

// One 1x1 or depthwise convolution of the block: filter, per-channel bias (may be null)
// and the activation applied after the bias.
struct FusedConvWeights {
  const float* filter = nullptr;
  const float* bias = nullptr;
  Activation activation = Activation::Linear;
};

// out = pool(activation(project(depthwise(expand(x)))) (+ x)), NHWC; filters as tfjs holds them:
// expand [in, expanded], depthwise [fh, fw, expanded] and project [expanded, out]. Without
// an expansion (expand.filter null: MobileNet V2's first block, a depthwise-separable
// module), expanded = in and the depthwise convolution reads x.
// Each output row is computed the same way however the work is split, so the result does
// not depend on the thread count.
void invertedResidualForward(const InvertedResidualShape& shape, const float* x,
                             const FusedConvWeights& expand, const FusedConvWeights& depthwise,
                             const FusedConvWeights& project, float leakyAlpha, float* out);

}  // namespace asc::kernels
