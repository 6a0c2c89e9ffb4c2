// Shapes of the NHWC convolution and pooling kernels, resolved on the JS side by tfjs's
// own backend_util.computeConv2DInfo so that padding and output sizes match it exactly.
#pragma once

#include <cstddef>

namespace asc::kernels {

struct ConvGeometry {
  int batch = 0;
  int inHeight = 0, inWidth = 0, inChannels = 0;
  int outHeight = 0, outWidth = 0, outChannels = 0;
  int filterHeight = 0, filterWidth = 0;
  int strideHeight = 1, strideWidth = 1;
  int padTop = 0, padLeft = 0;

  std::size_t inSize() const {
    return static_cast<std::size_t>(batch) * inHeight * inWidth * inChannels;
  }
  std::size_t outSize() const {
    return static_cast<std::size_t>(batch) * outHeight * outWidth * outChannels;
  }
  std::size_t outPixels() const { return static_cast<std::size_t>(batch) * outHeight * outWidth; }
  // True when the convolution is a plain matrix product over pixels.
  bool isPointwise() const {
    return filterHeight == 1 && filterWidth == 1 && strideHeight == 1 && strideWidth == 1 &&
           padTop == 0 && padLeft == 0 && inHeight == outHeight && inWidth == outWidth;
  }
};

}  // namespace asc::kernels
