#include "kernels/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/blas.h"
#include "kernels/packed_gemm.h"
#include "kernels/parallel.h"
#include "kernels/window_gather.h"

namespace asc::kernels {

namespace {

// Pixels per im2col tile: the tile (pixels x patch floats) stays within ~256 KiB so it
// is still in L2 when sgemm reads it.
std::size_t tilePixels(std::size_t patch) {
  return std::max<std::size_t>(16, (64 * 1024) / std::max<std::size_t>(1, patch));
}

// Writes the patches of output pixels [m0, m1) as rows of `col` (fh * fw * in each).
void im2col(const ConvGeometry& g, const float* x, std::size_t m0, std::size_t m1, float* col) {
  const std::size_t ci = g.inChannels;
  const std::size_t patch = static_cast<std::size_t>(g.filterHeight) * g.filterWidth * ci;
  const std::size_t perImage = static_cast<std::size_t>(g.outHeight) * g.outWidth;
  for (std::size_t m = m0; m < m1; ++m) {
    const std::size_t n = m / perImage;
    const int oy = static_cast<int>((m % perImage) / g.outWidth);
    const int ox = static_cast<int>(m % g.outWidth);
    float* row = col + (m - m0) * patch;
    const float* image = x + n * g.inHeight * g.inWidth * ci;
    for (int ky = 0; ky < g.filterHeight; ++ky) {
      const int iy = oy * g.strideHeight - g.padTop + ky;
      float* dst = row + static_cast<std::size_t>(ky) * g.filterWidth * ci;
      if (iy < 0 || iy >= g.inHeight) {
        std::fill(dst, dst + g.filterWidth * ci, 0.0f);
        continue;
      }
      // The in-bounds taps of a filter row are adjacent pixels of one input row: one copy
      // instead of one per tap (the 2-channel stem's forward pass, 17 % faster).
      const int left = ox * g.strideWidth - g.padLeft;
      const int kx0 = std::max(0, -left), kx1 = std::min(g.filterWidth, g.inWidth - left);
      if (kx1 <= kx0) {
        std::fill(dst, dst + g.filterWidth * ci, 0.0f);
        continue;
      }
      std::fill(dst, dst + kx0 * ci, 0.0f);
      std::memcpy(dst + kx0 * ci,
                  image + (static_cast<std::size_t>(iy) * g.inWidth + left + kx0) * ci,
                  (kx1 - kx0) * ci * sizeof(float));
      std::fill(dst + kx1 * ci, dst + g.filterWidth * ci, 0.0f);
    }
  }
}

// Adds the rows of `col` (patch gradients of output pixels [m0, m1)) into dx.
void col2imAdd(const ConvGeometry& g, const float* col, std::size_t m0, std::size_t m1, float* dx) {
  const std::size_t ci = g.inChannels;
  const std::size_t patch = static_cast<std::size_t>(g.filterHeight) * g.filterWidth * ci;
  const std::size_t perImage = static_cast<std::size_t>(g.outHeight) * g.outWidth;
  for (std::size_t m = m0; m < m1; ++m) {
    const std::size_t n = m / perImage;
    const int oy = static_cast<int>((m % perImage) / g.outWidth);
    const int ox = static_cast<int>(m % g.outWidth);
    const float* row = col + (m - m0) * patch;
    float* image = dx + n * g.inHeight * g.inWidth * ci;
    forEachInBoundsTap(g, oy, ox, [&](int ky, int kx, int iy, int ix) {
      const float* s = row + (static_cast<std::size_t>(ky) * g.filterWidth + kx) * ci;
      float* d = image + (static_cast<std::size_t>(iy) * g.inWidth + ix) * ci;
      for (std::size_t c = 0; c < ci; ++c) d[c] += s[c];
    });
  }
}

// True for a convolution whose windows all lie inside the input (no padding: 1x1
// convolutions, and the PyTorch-style stems, which pad beforehand) and are small enough
// (up to 128 values: the stems' 3 x 3 x 2, 1x1 convolutions of up to 128 channels) that
// packed weights stay in L1: its rows of A are read in place, with no im2col copy and no
// packing per call (Model B's stem 1.4x faster, the same values).
bool windowsInPlace(const ConvGeometry& g, std::size_t patch) {
  return g.padTop == 0 && g.padLeft == 0 &&
         (g.outHeight - 1) * g.strideHeight + g.filterHeight <= g.inHeight &&
         (g.outWidth - 1) * g.strideWidth + g.filterWidth <= g.inWidth &&
         patch * PackedWeights::kPanel * sizeof(float) <= 16 * 1024;
}

}  // namespace

void conv2dForward(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                   Activation activation, float leakyAlpha, float* out) {
  const std::size_t pixels = g.outPixels();
  const std::size_t co = g.outChannels;
  const std::size_t patch = static_cast<std::size_t>(g.filterHeight) * g.filterWidth * g.inChannels;
  if (windowsInPlace(g, patch)) {
    // Each output row's windows are read where they lie: filterHeight runs of an input
    // row each.
    const PackedWeights w(filter, patch, co);
    const std::size_t inRow = static_cast<std::size_t>(g.inWidth) * g.inChannels;
    const GemmRows windows{nullptr, static_cast<std::size_t>(g.strideWidth) * g.inChannels,
                           static_cast<std::size_t>(g.filterHeight), inRow};
    parallelRange(static_cast<std::size_t>(g.batch) * g.outHeight, 1,
                  [&](std::size_t b, std::size_t e) {
                    for (std::size_t r = b; r < e; ++r) {
                      const std::size_t n = r / g.outHeight, oy = r % g.outHeight;
                      GemmRows rows = windows;
                      rows.a = x + (n * g.inHeight + oy * g.strideHeight) * inRow;
                      float* o = out + r * g.outWidth * co;
                      packedGemm(g.outWidth, rows, w, bias, o, co);
                      applyActivation(activation, leakyAlpha, o, g.outWidth * co);
                    }
                  });
    return;
  }
  if (g.isPointwise()) {
    // Row blocks of the one big product, so bias and activation run while the block is
    // still in cache.
    forEachBlock(pixels, 512, [&](std::size_t m0, std::size_t m1) {
      sgemm(false, false, m1 - m0, co, patch, 1.0f, x + m0 * patch, patch, filter, co, 0.0f,
            out + m0 * co, co);
      addBiasAndActivate(bias, activation, leakyAlpha, m1 - m0, co, out + m0 * co);
    });
    return;
  }
  // The output block counts too: small patches (a 'same' stem's 3 x 3 x 2) made 3,600-pixel
  // tiles whose products ran at half OpenBLAS's speed (41 against 76 GMAC/s at 256
  // pixels). Each output value is the same whatever the tile.
  const std::size_t tile = std::min(
      tilePixels(patch), std::max<std::size_t>(64, 16 * 1024 / std::max<std::size_t>(1, co)));
  parallelRange((pixels + tile - 1) / tile, 1, [&](std::size_t b, std::size_t e) {
    float* col = threadScratch(tile * patch);
    for (std::size_t t = b; t < e; ++t) {
      const std::size_t m0 = t * tile, m1 = std::min(pixels, m0 + tile);
      im2col(g, x, m0, m1, col);
      sgemm(false, false, m1 - m0, co, patch, 1.0f, col, patch, filter, co, 0.0f, out + m0 * co,
            co);
      addBiasAndActivate(bias, activation, leakyAlpha, m1 - m0, co, out + m0 * co);
    }
  });
}

void conv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  const std::size_t co = g.outChannels;
  const std::size_t patch = static_cast<std::size_t>(g.filterHeight) * g.filterWidth * g.inChannels;
  if (g.isPointwise()) {
    const std::size_t pixels = g.outPixels();
    forEachBlock(pixels, 256, [&](std::size_t m0, std::size_t m1) {
      sgemm(false, true, m1 - m0, patch, co, 1.0f, dy + m0 * co, co, filter, co, 0.0f,
            dx + m0 * patch, patch);
    });
    return;
  }
  // Patches of one image overlap, so images are the unit of parallel work.
  const std::size_t perImage = static_cast<std::size_t>(g.outHeight) * g.outWidth;
  const std::size_t imageIn = static_cast<std::size_t>(g.inHeight) * g.inWidth * g.inChannels;
  const std::size_t tile = tilePixels(patch);
  parallelRange(g.batch, 1, [&](std::size_t nb, std::size_t ne) {
    float* col = threadScratch(tile * patch);
    std::fill(dx + nb * imageIn, dx + ne * imageIn, 0.0f);
    for (std::size_t n = nb; n < ne; ++n) {
      for (std::size_t m0 = n * perImage; m0 < (n + 1) * perImage; m0 += tile) {
        const std::size_t m1 = std::min((n + 1) * perImage, m0 + tile);
        sgemm(false, true, m1 - m0, patch, co, 1.0f, dy + m0 * co, co, filter, co, 0.0f, col,
              patch);
        col2imAdd(g, col, m0, m1, dx);
      }
    }
  });
}

void conv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dFilter) {
  const std::size_t co = g.outChannels;
  const std::size_t patch = static_cast<std::size_t>(g.filterHeight) * g.filterWidth * g.inChannels;
  const std::size_t pixels = g.outPixels();
  const std::size_t size = patch * co;
  const std::size_t parts = partCount(pixels, 1024);
  // Part 0 accumulates straight into dFilter, the others into private buffers.
  std::vector<float> partials((parts - 1) * size);
  const bool pointwise = g.isPointwise();
  const std::size_t tile = tilePixels(patch);
  forEachPart(pixels, parts, [&](std::size_t p, std::size_t m0, std::size_t m1) {
    float* acc = p == 0 ? dFilter : partials.data() + (p - 1) * size;
    std::fill(acc, acc + size, 0.0f);
    if (pointwise) {
      sgemm(true, false, patch, co, m1 - m0, 1.0f, x + m0 * patch, patch, dy + m0 * co, co, 0.0f,
            acc, co);
      return;
    }
    float* col = threadScratch(tile * patch);
    for (std::size_t t0 = m0; t0 < m1; t0 += tile) {
      const std::size_t t1 = std::min(m1, t0 + tile);
      im2col(g, x, t0, t1, col);
      sgemm(true, false, patch, co, t1 - t0, 1.0f, col, patch, dy + t0 * co, co, 1.0f, acc, co);
    }
  });
  for (std::size_t p = 1; p < parts; ++p) {
    const float* src = partials.data() + (p - 1) * size;
    for (std::size_t i = 0; i < size; ++i) dFilter[i] += src[i];
  }
}

}  // namespace asc::kernels
