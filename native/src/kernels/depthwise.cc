#include "kernels/depthwise.h"

#include <algorithm>
#include <vector>

#include "kernels/floats16.h"
#include "kernels/parallel.h"
#include "kernels/window_gather.h"

namespace asc::kernels {

namespace {

// o[0, W) = the sum over window `s`'s taps (row-major, padding skipped) of x * filter for
// channels [c0, c0 + W) of one output pixel, input row iy being windowRows[iy - top]. W is
// fixed so that the sums stay in registers across the taps (64: four AVX-512 registers);
// each channel's sum starts at zero and adds the taps in the same order as any other W,
// so the result does not depend on W.
template <std::size_t W>
inline void windowSum(const ConvGeometry& g, const WindowSpan& s, int top, int left,
                      const float* const* windowRows, const float* filter, std::size_t c0,
                      float* o) {
  const std::size_t c = g.inChannels;
  float acc[W] = {};
  for (int iy = s.y0; iy < s.y1; ++iy) {
    const float* xr = windowRows[iy - top] + c0;
    const float* fr = filter + static_cast<std::size_t>(iy - top) * g.filterWidth * c + c0;
    for (int ix = s.x0; ix < s.x1; ++ix) {
      const float* xp = xr + static_cast<std::size_t>(ix) * c;
      const float* fp = fr + static_cast<std::size_t>(ix - left) * c;
      for (std::size_t k = 0; k < W; ++k) acc[k] += xp[k] * fp[k];
    }
  }
  for (std::size_t k = 0; k < W; ++k) o[k] = acc[k];
}

// The same sums for P neighbouring output pixels [ox, ox + P) of a stride-1 row whose
// windows lie inside the input horizontally (the row's interior), channels [c0, c0 + 16),
// a FW-wide filter: each filter vector is loaded once for the P pixels and the sums stay
// in registers (about twice as fast as one pixel at a time on AVX-512). The taps are added
// in the same order, so the values equal windowSum's.
template <int FW, int P>
inline void interiorSums(std::size_t c, int y0, int y1, int top, int left,
                         const float* const* windowRows, const float* filter, std::size_t c0,
                         float* o) {
  Floats16 acc[P] = {};
  for (int iy = y0; iy < y1; ++iy) {
    const float* xr = windowRows[iy - top] + static_cast<std::size_t>(left) * c + c0;
    const float* fr = filter + static_cast<std::size_t>(iy - top) * FW * c + c0;
#pragma GCC unroll 8
    for (int kx = 0; kx < FW; ++kx) {
      const Floats16 f = load16(fr + kx * c);
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p) acc[p] += load16(xr + (p + kx) * c) * f;
    }
  }
  for (int p = 0; p < P; ++p) std::memcpy(o + p * c, &acc[p], sizeof acc[p]);
}

// Output pixels [ox0, ox1) of row oy, one window at a time.
void pixelSums(const ConvGeometry& g, const float* const* windowRows, int oy, int ox0, int ox1,
               const float* filter, float* out) {
  const std::size_t c = g.inChannels;
  const int top = oy * g.strideHeight - g.padTop;
  for (int ox = ox0; ox < ox1; ++ox) {
    float* o = out + static_cast<std::size_t>(ox) * c;
    const WindowSpan s = inBoundsWindow(g, oy, ox);
    const int left = ox * g.strideWidth - g.padLeft;
    std::size_t c0 = 0;
    for (; c0 + 64 <= c; c0 += 64) windowSum<64>(g, s, top, left, windowRows, filter, c0, o + c0);
    for (; c0 + 16 <= c; c0 += 16) windowSum<16>(g, s, top, left, windowRows, filter, c0, o + c0);
    for (; c0 < c; ++c0) windowSum<1>(g, s, top, left, windowRows, filter, c0, o + c0);
  }
}

// Row oy's interior with a FW-wide filter at stride 1: blocks of four pixels and 16
// channels; returns the first pixel it left (the block tail), the rest being pixelSums'.
template <int FW>
int interiorRow(const ConvGeometry& g, const float* const* windowRows, int oy, int ox0, int ox1,
                const float* filter, float* out) {
  constexpr int kPixels = 4;
  const std::size_t c = g.inChannels;
  const int top = oy * g.strideHeight - g.padTop;
  const WindowSpan s = inBoundsWindow(g, oy, ox0);
  int ox = ox0;
  for (; ox + kPixels <= ox1; ox += kPixels) {
    const int left = ox - g.padLeft;
    float* o = out + static_cast<std::size_t>(ox) * c;
    std::size_t c0 = 0;
    for (; c0 + 16 <= c; c0 += 16) {
      interiorSums<FW, kPixels>(c, s.y0, s.y1, top, left, windowRows, filter, c0, o + c0);
    }
    if (c0 < c) {
      for (int p = 0; p < kPixels; ++p) {
        const int l = left + p;
        const WindowSpan sp{s.y0, s.y1, l, l + FW};
        for (std::size_t k = c0; k < c; ++k) {
          windowSum<1>(g, sp, top, l, windowRows, filter, k, o + p * c + k);
        }
      }
    }
  }
  return ox;
}

}  // namespace

void depthwiseRow(const ConvGeometry& g, const float* const* windowRows, int oy,
                  const float* filter, const float* bias, Activation activation, float leakyAlpha,
                  float* out) {
  const std::size_t c = g.inChannels;
  // The interior: the pixels whose windows need no horizontal padding.
  const int interiorBegin = std::min(g.outWidth, g.padLeft);
  const int interiorEnd =
      std::max(interiorBegin, std::min(g.outWidth, g.inWidth - g.filterWidth + g.padLeft + 1));
  int tail = interiorBegin;
  if (g.strideWidth == 1 && g.filterWidth == 3) {
    tail = interiorRow<3>(g, windowRows, oy, interiorBegin, interiorEnd, filter, out);
  } else if (g.strideWidth == 1 && g.filterWidth == 5) {
    tail = interiorRow<5>(g, windowRows, oy, interiorBegin, interiorEnd, filter, out);
  }
  pixelSums(g, windowRows, oy, 0, interiorBegin, filter, out);
  pixelSums(g, windowRows, oy, tail, g.outWidth, filter, out);
  addBiasAndActivate(bias, activation, leakyAlpha, g.outWidth, c, out);
}

void depthwiseForward(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                      Activation activation, float leakyAlpha, float* out) {
  forEachOutputRow(g, x, [&](const float* const* windowRows, int oy, std::size_t r) {
    depthwiseRow(g, windowRows, oy, filter, bias, activation, leakyAlpha,
                 out + r * g.outWidth * g.inChannels);
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
