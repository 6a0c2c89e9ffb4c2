// Constant padding of a float32 tensor of any rank (tfjs's PadV2): whole rows are copied
// with memcpy and the borders filled, split across asc::kernelPool().
#pragma once

#include "kernels/elementwise.h"

namespace asc::kernels {

// out = x with before[d] values ahead of and after[d] values behind dimension d, all
// `value`; out shape [before[d] + inShape[d] + after[d]]. Every vector has x's rank.
void padConstant(const float* x, const Shape& inShape, const Shape& before, const Shape& after,
                 float value, float* out);

}  // namespace asc::kernels
