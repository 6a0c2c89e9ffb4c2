// The walks over filter windows that the convolution and pooling kernels share: the
// in-bounds part of one output pixel's window (as taps, or as row and column ranges), and
// (for input gradients) the output pixels whose windows cover one input pixel. ASC_HD:
// the GPU kernels (native/cuda/train/programs.h) walk the windows with these same
// functions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "cuda/common/hd.h"
#include "kernels/geometry.h"
#include "kernels/parallel.h"

namespace asc::kernels {

// The input rows [y0, y1) and columns [x0, x1) of output pixel (oy, ox)'s window that
// lie inside the input (empty where the window is all padding).
struct WindowSpan {
  int y0, y1, x0, x1;
};
ASC_HD WindowSpan inBoundsWindow(const ConvGeometry& g, int oy, int ox) {
  const int top = oy * g.strideHeight - g.padTop;
  const int left = ox * g.strideWidth - g.padLeft;
  WindowSpan s;
  s.y0 = top > 0 ? top : 0;
  s.y1 = top + g.filterHeight < g.inHeight ? top + g.filterHeight : g.inHeight;
  s.x0 = left > 0 ? left : 0;
  s.x1 = left + g.filterWidth < g.inWidth ? left + g.filterWidth : g.inWidth;
  return s;
}

// Calls visit(ky, kx, iy, ix) for every tap of output pixel (oy, ox)'s window that falls
// inside the input; taps in the padding are skipped.
template <class Visit>
ASC_HD void forEachInBoundsTap(const ConvGeometry& g, int oy, int ox, Visit&& visit) {
  for (int ky = 0; ky < g.filterHeight; ++ky) {
    const int iy = oy * g.strideHeight - g.padTop + ky;
    if (iy < 0 || iy >= g.inHeight) continue;
    for (int kx = 0; kx < g.filterWidth; ++kx) {
      const int ix = ox * g.strideWidth - g.padLeft + kx;
      if (ix < 0 || ix >= g.inWidth) continue;
      visit(ky, kx, iy, ix);
    }
  }
}

// Calls add(oy, ox, ky, kx) for each output pixel whose window covers input pixel
// (iy, ix) at filter tap (ky, kx), taps in row-major order.
template <class Add>
ASC_HD void forEachCoveringWindow(const ConvGeometry& g, int iy, int ix, Add&& add) {
  for (int ky = 0; ky < g.filterHeight; ++ky) {
    const int ty = iy + g.padTop - ky;
    if (ty < 0 || ty % g.strideHeight != 0) continue;
    const int oy = ty / g.strideHeight;
    if (oy >= g.outHeight) continue;
    for (int kx = 0; kx < g.filterWidth; ++kx) {
      const int tx = ix + g.padLeft - kx;
      if (tx < 0 || tx % g.strideWidth != 0) continue;
      const int ox = tx / g.strideWidth;
      if (ox >= g.outWidth) continue;
      add(oy, ox, ky, kx);
    }
  }
}

// Calls row(windowRows, oy, r) for every output row r = n * outHeight + oy of every image,
// in parallel, windowRows[ky] pointing at input row oy * strideHeight - padTop + ky of
// image n of x (null outside the image): a batch as the row kernels (depthwiseRow,
// avgPoolRow) see it.
template <class Row>
void forEachOutputRow(const ConvGeometry& g, const float* x, Row&& row) {
  const std::size_t rows = static_cast<std::size_t>(g.batch) * g.outHeight;
  const std::size_t rowFloats = static_cast<std::size_t>(g.inWidth) * g.inChannels;
  parallelRange(rows, 1, [&](std::size_t rb, std::size_t re) {
    std::vector<const float*> windowRows(g.filterHeight);
    for (std::size_t r = rb; r < re; ++r) {
      const std::size_t n = r / g.outHeight;
      const int oy = static_cast<int>(r % g.outHeight);
      const float* image = x + n * g.inHeight * rowFloats;
      const int top = oy * g.strideHeight - g.padTop;
      for (int ky = 0; ky < g.filterHeight; ++ky) {
        const int iy = top + ky;
        windowRows[ky] = iy >= 0 && iy < g.inHeight ? image + iy * rowFloats : nullptr;
      }
      row(windowRows.data(), oy, r);
    }
  });
}

// For every input pixel (n, iy, ix): zeroes its `inChannels` values in dx, calls
// add(d, dyPixel, ky, kx) for each output pixel whose window covers it at filter tap
// (ky, kx), then finish(d). Gathering (rather than scattering from dy) makes rows of dx
// independent, so threads never write the same value and the sum order is fixed.
template <class Add, class Finish>
void gatherOverWindows(const ConvGeometry& g, const float* dy, float* dx, Add&& add,
                       Finish&& finish) {
  const std::size_t c = g.inChannels;
  const std::size_t rows = static_cast<std::size_t>(g.batch) * g.inHeight;
  parallelRange(rows, 1, [&](std::size_t rb, std::size_t re) {
    for (std::size_t r = rb; r < re; ++r) {
      const std::size_t n = r / g.inHeight;
      const int iy = static_cast<int>(r % g.inHeight);
      const float* dyImage = dy + n * g.outHeight * g.outWidth * c;
      for (int ix = 0; ix < g.inWidth; ++ix) {
        float* d = dx + (r * g.inWidth + ix) * c;
        std::fill(d, d + c, 0.0f);
        forEachCoveringWindow(g, iy, ix, [&](int oy, int ox, int ky, int kx) {
          add(d, dyImage + (static_cast<std::size_t>(oy) * g.outWidth + ox) * c, ky, kx);
        });
        finish(d);
      }
    }
  });
}

}  // namespace asc::kernels
