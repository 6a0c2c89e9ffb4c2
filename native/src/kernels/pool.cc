#include "kernels/pool.h"

#include <algorithm>
#include <limits>

#include "kernels/parallel.h"
#include "kernels/window_gather.h"

namespace asc::kernels {

namespace {

// Output row oy of one image, input row iy being windowRows[iy - oy * strideHeight +
// padTop] (filterHeight pointers; those of rows outside the image are never read).
template <bool kMax>
void poolRow(const ConvGeometry& g, const float* const* windowRows, int oy, float* out) {
  const std::size_t c = g.inChannels;
  const int top = oy * g.strideHeight - g.padTop;
  for (int ox = 0; ox < g.outWidth; ++ox) {
    const WindowSpan w = inBoundsWindow(g, oy, ox);
    float* o = out + static_cast<std::size_t>(ox) * c;
    std::fill(o, o + c, kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
    for (int iy = w.y0; iy < w.y1; ++iy) {
      for (int ix = w.x0; ix < w.x1; ++ix) {
        const float* p = windowRows[iy - top] + static_cast<std::size_t>(ix) * c;
        if (kMax) {
          for (std::size_t k = 0; k < c; ++k) o[k] = p[k] > o[k] ? p[k] : o[k];
        } else {
          for (std::size_t k = 0; k < c; ++k) o[k] += p[k];
        }
      }
    }
    if (!kMax) {
      const float count = static_cast<float>(std::max(0, w.y1 - w.y0) * std::max(0, w.x1 - w.x0));
      for (std::size_t k = 0; k < c; ++k) o[k] /= count;
    }
  }
}

template <bool kMax>
void pool(const ConvGeometry& g, const float* x, float* out) {
  forEachOutputRow(g, x, [&](const float* const* windowRows, int oy, std::size_t r) {
    poolRow<kMax>(g, windowRows, oy, out + r * g.outWidth * g.inChannels);
  });
}

}  // namespace

void maxPool(const ConvGeometry& g, const float* x, float* out) { pool<true>(g, x, out); }
void avgPool(const ConvGeometry& g, const float* x, float* out) { pool<false>(g, x, out); }

void avgPoolRow(const ConvGeometry& g, const float* const* windowRows, int oy, float* out) {
  poolRow<false>(g, windowRows, oy, out);
}

void maxPoolGrad(const ConvGeometry& g, const float* dy, const float* x, float* dx) {
  const std::size_t c = g.inChannels;
  const std::size_t imageIn = static_cast<std::size_t>(g.inHeight) * g.inWidth * c;
  // Overlapping windows scatter into the same input pixels, so images are the unit of
  // parallel work.
  parallelRange(g.batch, 1, [&](std::size_t nb, std::size_t ne) {
    float* best = threadScratch(c, 0);
    float* where = threadScratch(c, 1);  // window-relative offset of the maximum, as float
    for (std::size_t n = nb; n < ne; ++n) {
      const float* image = x + n * imageIn;
      float* dImage = dx + n * imageIn;
      std::fill(dImage, dImage + imageIn, 0.0f);
      for (int oy = 0; oy < g.outHeight; ++oy) {
        for (int ox = 0; ox < g.outWidth; ++ox) {
          const WindowSpan w = inBoundsWindow(g, oy, ox);
          std::fill(best, best + c, -std::numeric_limits<float>::infinity());
          std::fill(where, where + c, -1.0f);
          for (int iy = w.y0; iy < w.y1; ++iy) {
            for (int ix = w.x0; ix < w.x1; ++ix) {
              const float at = static_cast<float>(iy * g.inWidth + ix);
              const float* p = image + (static_cast<std::size_t>(iy) * g.inWidth + ix) * c;
              for (std::size_t k = 0; k < c; ++k) {
                const bool better = p[k] > best[k];
                best[k] = better ? p[k] : best[k];
                where[k] = better ? at : where[k];
              }
            }
          }
          const float* d = dy + ((n * g.outHeight + oy) * g.outWidth + ox) * c;
          for (std::size_t k = 0; k < c; ++k) {
            if (where[k] >= 0.0f) dImage[static_cast<std::size_t>(where[k]) * c + k] += d[k];
          }
        }
      }
    }
  });
}

void avgPoolGrad(const ConvGeometry& g, const float* dy, float* dx) {
  const std::size_t c = g.inChannels;
  const float scale = 1.0f / static_cast<float>(g.filterHeight * g.filterWidth);
  gatherOverWindows(
      g, dy, dx,
      [&](float* d, const float* p, int, int) {
        for (std::size_t k = 0; k < c; ++k) d[k] += p[k];
      },
      [&](float* d) {
        for (std::size_t k = 0; k < c; ++k) d[k] *= scale;
      });
}

}  // namespace asc::kernels
