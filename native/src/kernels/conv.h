// Dense NHWC convolution (filter [fh, fw, in, out]) and its two gradients, on OpenBLAS
// sgemm: pointwise convolutions are one matrix product over pixels, the others go
// through im2col tiles small enough to stay in cache. Work is split over pixel tiles
// across asc::kernelPool().
#pragma once

#include "kernels/activation.h"
#include "kernels/geometry.h"

namespace asc::kernels {

// out = activation(conv(x, filter) + bias); bias may be null.
void conv2dForward(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                   Activation activation, float leakyAlpha, float* out);

// dx (g.inSize() values, fully overwritten) from dy and the filter.
void conv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx);

// dFilter (fh * fw * in * out values, fully overwritten) from x and dy.
void conv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dFilter);

}  // namespace asc::kernels
