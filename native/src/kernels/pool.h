// 2-D max and average pooling over NHWC (inChannels == outChannels) and their gradients,
// matching tfjs's JS kernels: average pooling divides by the number of in-bounds pixels,
// its gradient by the full window; max pooling's gradient goes to the first maximum in
// row-major window order.
#pragma once

#include "kernels/geometry.h"

namespace asc::kernels {

void maxPool(const ConvGeometry& g, const float* x, float* out);
void avgPool(const ConvGeometry& g, const float* x, float* out);
// Output row oy of one image's average pooling, input row iy being windowRows[iy - (oy *
// strideHeight - padTop)] (filterHeight pointers; rows outside the image are not read):
// avgPool is this over every row; the inverted residual kernel pools its own rows with it.
void avgPoolRow(const ConvGeometry& g, const float* const* windowRows, int oy, float* out);
void maxPoolGrad(const ConvGeometry& g, const float* dy, const float* x, float* dx);
void avgPoolGrad(const ConvGeometry& g, const float* dy, float* dx);

}  // namespace asc::kernels
