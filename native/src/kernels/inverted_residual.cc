#include "kernels/inverted_residual.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/depthwise.h"
#include "kernels/packed_gemm.h"
#include "kernels/parallel.h"

namespace asc::kernels {

namespace {

// One call's block: its shape and weights, the 1x1 filters packed once for every row.
struct Block {
  const InvertedResidualShape& s;
  const FusedConvWeights &expand, &depthwise, &project;
  float leakyAlpha;
  PackedWeights expandPacked, projectPacked;
};

// Output rows [oy0, oy1) of image n. The expansion of input row iy lives in ring slot
// iy % filterHeight: the rows one output row reads are filterHeight consecutive ones, so
// they never share a slot.
void blockRows(const Block& b, const float* x, std::size_t n, int oy0, int oy1, float* out) {
  const InvertedResidualShape& s = b.s;
  const ConvGeometry& g = s.depthwise;
  const std::size_t ci = s.inChannels, ce = g.inChannels, co = s.outChannels;
  const std::size_t inWidth = g.inWidth, outWidth = g.outWidth;
  const std::size_t ringRows = g.filterHeight;
  float* ring = threadScratch(ringRows * inWidth * ce + outWidth * ce);
  float* dwRow = ring + ringRows * inWidth * ce;
  std::vector<int> slotRow(ringRows, -1);
  std::vector<const float*> windowRows(ringRows);
  const float* image = x + n * g.inHeight * inWidth * ci;
  for (int oy = oy0; oy < oy1; ++oy) {
    const int top = oy * g.strideHeight - g.padTop;
    for (int ky = 0; ky < g.filterHeight; ++ky) {
      const int iy = top + ky;
      windowRows[ky] = nullptr;
      if (iy < 0 || iy >= g.inHeight) continue;
      const std::size_t slot = static_cast<std::size_t>(iy) % ringRows;
      float* expanded = ring + slot * inWidth * ce;
      if (slotRow[slot] != iy) {
        packedGemm(inWidth, image + iy * inWidth * ci, ci, b.expandPacked, b.expand.bias, expanded,
                   ce);
        applyActivation(b.expand.activation, b.leakyAlpha, expanded, inWidth * ce);
        slotRow[slot] = iy;
      }
      windowRows[ky] = expanded;
    }
    depthwiseRow(g, windowRows.data(), oy, b.depthwise.filter, b.depthwise.bias,
                 b.depthwise.activation, b.leakyAlpha, dwRow);
    const std::size_t r = n * g.outHeight + oy;
    float* o = out + r * outWidth * co;
    packedGemm(outWidth, dwRow, ce, b.projectPacked, b.project.bias, o, co);
    applyActivation(b.project.activation, b.leakyAlpha, o, outWidth * co);
    if (s.residual) {
      // Same shape: output row oy is input row oy.
      const float* xr = image + static_cast<std::size_t>(oy) * inWidth * ci;
      for (std::size_t i = 0; i < outWidth * co; ++i) o[i] = xr[i] + o[i];
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
                    PackedWeights(expand.filter, s.inChannels, g.inChannels),
                    PackedWeights(project.filter, g.inChannels, s.outChannels)};
  const std::size_t tasksWanted = 2 * static_cast<std::size_t>(kernelPool().threads());
  const std::size_t bands =
      std::min<std::size_t>(g.outHeight, (tasksWanted + g.batch - 1) / g.batch);
  parallelRange(static_cast<std::size_t>(g.batch) * bands, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t t = b; t < e; ++t) {
      const std::size_t n = t / bands, band = t % bands;
      const int oy0 = static_cast<int>(g.outHeight * band / bands);
      const int oy1 = static_cast<int>(g.outHeight * (band + 1) / bands);
      blockRows(block, x, n, oy0, oy1, out);
    }
  });
}

}  // namespace asc::kernels
