#include "kernels/depthwise.h"

#include <algorithm>
#include <vector>

#include "kernels/parallel.h"
#include "kernels/window_gather.h"

namespace asc::kernels {

void depthwiseForward(const ConvGeometry& g, const float* x, const float* filter, float* out) {
  const std::size_t c = g.inChannels;
  const std::size_t rows = static_cast<std::size_t>(g.batch) * g.outHeight;
  parallelRange(rows, 1, [&](std::size_t rb, std::size_t re) {
    for (std::size_t r = rb; r < re; ++r) {
      const std::size_t n = r / g.outHeight;
      const int oy = static_cast<int>(r % g.outHeight);
      const float* image = x + n * g.inHeight * g.inWidth * c;
      for (int ox = 0; ox < g.outWidth; ++ox) {
        float* o = out + (r * g.outWidth + ox) * c;
        std::fill(o, o + c, 0.0f);
        forEachInBoundsTap(g, oy, ox, [&](int ky, int kx, int iy, int ix) {
          const float* xi = image + (static_cast<std::size_t>(iy) * g.inWidth + ix) * c;
          const float* f = filter + (static_cast<std::size_t>(ky) * g.filterWidth + kx) * c;
          for (std::size_t k = 0; k < c; ++k) o[k] += xi[k] * f[k];
        });
      }
    }
  });
}

void depthwiseBackpropInput(const ConvGeometry& g, const float* dy, const float* filter,
                            float* dx) {
  const std::size_t c = g.inChannels;
  if (g.strideHeight == 1 && g.strideWidth == 1) {
    // With stride 1 the input gradient is itself a depthwise convolution: of dy, with the
    // filter turned 180 degrees and the padding mirrored (k - 1 - pad).
    const std::size_t taps = static_cast<std::size_t>(g.filterHeight) * g.filterWidth;
    std::vector<float> flipped(taps * c);
    for (std::size_t t = 0; t < taps; ++t) {
      std::copy(filter + t * c, filter + (t + 1) * c, flipped.begin() + (taps - 1 - t) * c);
    }
    ConvGeometry mirrored = g;
    mirrored.inHeight = g.outHeight;
    mirrored.inWidth = g.outWidth;
    mirrored.outHeight = g.inHeight;
    mirrored.outWidth = g.inWidth;
    mirrored.padTop = g.filterHeight - 1 - g.padTop;
    mirrored.padLeft = g.filterWidth - 1 - g.padLeft;
    depthwiseForward(mirrored, dy, flipped.data(), dx);
    return;
  }
  gatherOverWindows(
      g, dy, dx,
      [&](float* d, const float* dyp, int ky, int kx) {
        const float* f = filter + (static_cast<std::size_t>(ky) * g.filterWidth + kx) * c;
        for (std::size_t k = 0; k < c; ++k) d[k] += dyp[k] * f[k];
      },
      [](float*) {});
}

void depthwiseBackpropFilter(const ConvGeometry& g, const float* x, const float* dy,
                             float* dFilter) {
  const std::size_t c = g.inChannels;
  const std::size_t size = static_cast<std::size_t>(g.filterHeight) * g.filterWidth * c;
  const std::size_t rows = static_cast<std::size_t>(g.batch) * g.outHeight;
  const std::size_t parts = partCount(rows, 4);
  std::vector<float> partials(parts * size, 0.0f);
  forEachPart(rows, parts, [&](std::size_t p, std::size_t rb, std::size_t re) {
    float* acc = partials.data() + p * size;
    // Each output row sums into a fresh row accumulator first: shorter float sums.
    float* rowAcc = threadScratch(size);
    for (std::size_t r = rb; r < re; ++r) {
      const std::size_t n = r / g.outHeight;
      const int oy = static_cast<int>(r % g.outHeight);
      const float* image = x + n * g.inHeight * g.inWidth * c;
      std::fill(rowAcc, rowAcc + size, 0.0f);
      for (int ox = 0; ox < g.outWidth; ++ox) {
        const float* dyp = dy + (r * g.outWidth + ox) * c;
        forEachInBoundsTap(g, oy, ox, [&](int ky, int kx, int iy, int ix) {
          const float* xi = image + (static_cast<std::size_t>(iy) * g.inWidth + ix) * c;
          float* a = rowAcc + (static_cast<std::size_t>(ky) * g.filterWidth + kx) * c;
          for (std::size_t k = 0; k < c; ++k) a[k] += dyp[k] * xi[k];
        });
      }
      for (std::size_t i = 0; i < size; ++i) acc[i] += rowAcc[i];
    }
  });
  std::copy(partials.begin(), partials.begin() + size, dFilter);
  for (std::size_t p = 1; p < parts; ++p) {
    const float* src = partials.data() + p * size;
    for (std::size_t i = 0; i < size; ++i) dFilter[i] += src[i];
  }
}

}  // namespace asc::kernels
