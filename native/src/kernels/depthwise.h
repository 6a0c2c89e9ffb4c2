// Depthwise NHWC convolution with channel multiplier 1 (filter [fh, fw, C, 1]) and its
// two gradients: loops over output rows whose innermost loop runs over channels, so
// they vectorise; rows are split across asc::kernelPool().
#pragma once

#include "kernels/activation.h"
#include "kernels/geometry.h"

namespace asc::kernels {

// out = activation(depthwise(x, filter) + bias); bias may be null.
void depthwiseForward(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                      Activation activation, float leakyAlpha, float* out);
// Output row `oy` of one image: out[outWidth x C] = activation(depthwise + bias), input row
// iy being windowRows[iy - (oy * strideHeight - padTop)] (filterHeight pointers; those of
// rows outside the image are never read). depthwiseForward is this over every row; the
// fused inverted residual (inverted_residual.h) runs it on rows it keeps in cache.
void depthwiseRow(const ConvGeometry& g, const float* const* windowRows, int oy,
                  const float* filter, const float* bias, Activation activation, float leakyAlpha,
                  float* out);
void depthwiseBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx);
void depthwiseBackpropFilter(const ConvGeometry& g, const float* x, const float* dy,
                             float* dFilter);

}  // namespace asc::kernels
