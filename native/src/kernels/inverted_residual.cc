#include "kernels/inverted_residual.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/depthwise.h"
#include "kernels/packed_gemm.h"
#include "kernels/parallel.h"
#include "kernels/pool.h"

namespace asc::kernels {

namespace {

// One call's block: its shape and weights, the 1x1 filters packed once for every row.
struct Block {
  const InvertedResidualShape& s;
  const FusedConvWeights &expand, &depthwise, &project;
  float leakyAlpha;
  PackedWeights expandPacked, projectPacked;
  ConvGeometry pool;
};

// The geometry of the average pooling after the block (a pool-by-pool window and stride
// over its output), or of none (poolSize 1: the rows are the output).
ConvGeometry poolGeometry(const InvertedResidualShape& s) {
  ConvGeometry p;
  p.batch = s.depthwise.batch;
  p.inHeight = s.depthwise.outHeight;
  p.inWidth = s.depthwise.outWidth;
  p.inChannels = p.outChannels = s.outChannels;
  p.filterHeight = p.filterWidth = p.strideHeight = p.strideWidth = s.averagePool;
  p.outHeight = p.inHeight / s.averagePool;
  p.outWidth = p.inWidth / s.averagePool;
  return p;
}

// Output rows [r0, r1) of image n (rows after the pooling, if any). The expansion of
// input row iy lives in ring slot iy % filterHeight: the rows one block row reads are
// filterHeight consecutive ones, so they never share a slot.
void blockRows(const Block& b, const float* x, std::size_t n, int r0, int r1, float* out) {
  const InvertedResidualShape& s = b.s;
  const ConvGeometry& g = s.depthwise;
  const ConvGeometry& pool = b.pool;
  const std::size_t ci = s.inChannels, ce = g.inChannels, co = s.outChannels;
  const std::size_t inWidth = g.inWidth, outWidth = g.outWidth;
  const std::size_t ringRows = g.filterHeight, poolRows = s.averagePool;
  float* ring = threadScratch(ringRows * inWidth * ce + outWidth * ce +
                              (poolRows > 1 ? poolRows : 0) * outWidth * co);
  float* dwRow = ring + ringRows * inWidth * ce;
  float* pooled = dwRow + outWidth * ce;
  std::vector<int> slotRow(ringRows, -1);
  std::vector<const float*> windowRows(ringRows), pooledRows(poolRows);
  const float* image = x + n * g.inHeight * inWidth * ci;
  for (int r = r0; r < r1; ++r) {
    for (std::size_t k = 0; k < poolRows; ++k) {
      const int oy = static_cast<int>(r * poolRows + k);
      const int top = oy * g.strideHeight - g.padTop;
      for (int ky = 0; ky < g.filterHeight; ++ky) {
        const int iy = top + ky;
        windowRows[ky] = nullptr;
        if (iy < 0 || iy >= g.inHeight) continue;
        if (!b.expand.filter) {
          // No expansion: the depthwise convolution reads the input rows in place.
          windowRows[ky] = image + iy * inWidth * ci;
          continue;
        }
        const std::size_t slot = static_cast<std::size_t>(iy) % ringRows;
        float* expanded = ring + slot * inWidth * ce;
        if (slotRow[slot] != iy) {
          packedGemm(inWidth, GemmRows::matrix(image + iy * inWidth * ci, ci), b.expandPacked,
                     b.expand.bias, expanded, ce);
          applyActivation(b.expand.activation, b.leakyAlpha, expanded, inWidth * ce);
          slotRow[slot] = iy;
        }
        windowRows[ky] = expanded;
      }
      depthwiseRow(g, windowRows.data(), oy, b.depthwise.filter, b.depthwise.bias,
                   b.depthwise.activation, b.leakyAlpha, dwRow);
      float* o =
          poolRows > 1 ? pooled + k * outWidth * co : out + (n * g.outHeight + oy) * outWidth * co;
      packedGemm(outWidth, GemmRows::matrix(dwRow, ce), b.projectPacked, b.project.bias, o, co);
      applyActivation(b.project.activation, b.leakyAlpha, o, outWidth * co);
      if (s.residual) {
        // Same shape: output row oy is input row oy.
        const float* xr = image + static_cast<std::size_t>(oy) * inWidth * ci;
        for (std::size_t i = 0; i < outWidth * co; ++i) o[i] = xr[i] + o[i];
      }
      pooledRows[k] = o;
    }
    if (poolRows > 1) {
      avgPoolRow(pool, pooledRows.data(), r, out + (n * pool.outHeight + r) * pool.outWidth * co);
    }
  }
}

}  // namespace

void invertedResidualForward(const InvertedResidualShape& s, const float* x,
                             const FusedConvWeights& expand, const FusedConvWeights& depthwise,
                             const FusedConvWeights& project, float leakyAlpha, float* out) {
  const ConvGeometry& g = s.depthwise;
  if (g.batch == 0 || g.outHeight == 0 || g.outWidth == 0) return;
  // Whole images per task when there are enough; otherwise bands of rows, each of which
  // expands again the filterHeight - stride rows it shares with the band above.
  const Block block{s,
                    expand,
                    depthwise,
                    project,
                    leakyAlpha,
                    PackedWeights(expand.filter, expand.filter ? s.inChannels : 0, g.inChannels),
                    PackedWeights(project.filter, g.inChannels, s.outChannels),
                    poolGeometry(s)};
  const std::size_t tasksWanted = 2 * static_cast<std::size_t>(kernelPool().threads());
  const int rows = s.averagePool > 1 ? block.pool.outHeight : g.outHeight;
  if (rows == 0) return;
  const std::size_t bands = std::min<std::size_t>(rows, (tasksWanted + g.batch - 1) / g.batch);
  parallelRange(static_cast<std::size_t>(g.batch) * bands, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t t = b; t < e; ++t) {
      const std::size_t n = t / bands, band = t % bands;
      const int r0 = static_cast<int>(rows * band / bands);
      const int r1 = static_cast<int>(rows * (band + 1) / bands);
      blockRows(block, x, n, r0, r1, out);
    }
  });
}

}  // namespace asc::kernels
