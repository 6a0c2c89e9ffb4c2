#include "kernels/depthwise.h"

#include <algorithm>
#include <vector>

#include "kernels/parallel.h"
#include "kernels/window_gather.h"

namespace asc::kernels {

namespace {

// o[0, W) = the sum over window `s`'s taps (row-major, padding skipped) of x * filter for
// channels [c0, c0 + W) of one output pixel. W is fixed so that the sums stay in registers
// across the taps (64: four AVX-512 registers); each channel's sum starts at zero and adds
// the taps in the same order as any other W, so the result does not depend on W.
template <std::size_t W>
inline void windowSum(const ConvGeometry& g, const WindowSpan& s, int top, int left,
                      const float* image, const float* filter, std::size_t c0, float* o) {
  const std::size_t c = g.inChannels;
  float acc[W] = {};
  for (int iy = s.y0; iy < s.y1; ++iy) {
    const float* xr = image + static_cast<std::size_t>(iy) * g.inWidth * c + c0;
    const float* fr = filter + static_cast<std::size_t>(iy - top) * g.filterWidth * c + c0;
    for (int ix = s.x0; ix < s.x1; ++ix) {
      const float* xp = xr + static_cast<std::size_t>(ix) * c;
      const float* fp = fr + static_cast<std::size_t>(ix - left) * c;
      for (std::size_t k = 0; k < W; ++k) acc[k] += xp[k] * fp[k];
    }
  }
  for (std::size_t k = 0; k < W; ++k) o[k] = acc[k];
}

}  // namespace

void depthwiseForward(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                      Activation activation, float leakyAlpha, float* out) {
  const std::size_t c = g.inChannels;
  const std::size_t rows = static_cast<std::size_t>(g.batch) * g.outHeight;
  parallelRange(rows, 1, [&](std::size_t rb, std::size_t re) {
    for (std::size_t r = rb; r < re; ++r) {
      const std::size_t n = r / g.outHeight;
      const int oy = static_cast<int>(r % g.outHeight);
      const float* image = x + n * g.inHeight * g.inWidth * c;
      const int top = oy * g.strideHeight - g.padTop;
      for (int ox = 0; ox < g.outWidth; ++ox) {
        float* o = out + (r * g.outWidth + ox) * c;
        const WindowSpan s = inBoundsWindow(g, oy, ox);
        const int left = ox * g.strideWidth - g.padLeft;
        std::size_t c0 = 0;
        for (; c0 + 64 <= c; c0 += 64) windowSum<64>(g, s, top, left, image, filter, c0, o + c0);
        for (; c0 + 16 <= c; c0 += 16) windowSum<16>(g, s, top, left, image, filter, c0, o + c0);
        for (; c0 < c; ++c0) windowSum<1>(g, s, top, left, image, filter, c0, o + c0);
        if (bias) {
          for (std::size_t k = 0; k < c; ++k) o[k] += bias[k];
        }
        applyActivation(activation, leakyAlpha, o, c);
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
    depthwiseForward(mirrored, dy, flipped.data(), nullptr, Activation::Linear, 0.0f, dx);
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
