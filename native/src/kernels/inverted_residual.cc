#include "kernels/inverted_residual.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/blas.h"
#include "kernels/depthwise.h"
#include "kernels/parallel.h"

namespace asc::kernels {

namespace {

// Output rows [oy0, oy1) of image n. The expansion of input row iy lives in ring slot
// iy % filterHeight: the rows one output row reads are filterHeight consecutive ones, so
// they never share a slot.
void blockRows(const InvertedResidualShape& s, const float* x, const FusedConvWeights& expand,
               const FusedConvWeights& depthwise, const FusedConvWeights& project, float leakyAlpha,
               std::size_t n, int oy0, int oy1, float* out) {
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
        sgemm(false, false, inWidth, ce, ci, 1.0f, image + iy * inWidth * ci, ci, expand.filter, ce,
              0.0f, expanded, ce);
        addBiasAndActivate(expand.bias, expand.activation, leakyAlpha, inWidth, ce, expanded);
        slotRow[slot] = iy;
      }
      windowRows[ky] = expanded;
    }
    depthwiseRow(g, windowRows.data(), oy, depthwise.filter, depthwise.bias, depthwise.activation,
                 leakyAlpha, dwRow);
    const std::size_t r = n * g.outHeight + oy;
    float* o = out + r * outWidth * co;
    sgemm(false, false, outWidth, co, ce, 1.0f, dwRow, ce, project.filter, co, 0.0f, o, co);
    addBiasAndActivate(project.bias, project.activation, leakyAlpha, outWidth, co, o);
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
  const std::size_t tasksWanted = 2 * static_cast<std::size_t>(kernelPool().threads());
  const std::size_t bands =
      std::min<std::size_t>(g.outHeight, (tasksWanted + g.batch - 1) / g.batch);
  parallelRange(static_cast<std::size_t>(g.batch) * bands, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t t = b; t < e; ++t) {
      const std::size_t n = t / bands, band = t % bands;
      const int oy0 = static_cast<int>(g.outHeight * band / bands);
      const int oy1 = static_cast<int>(g.outHeight * (band + 1) / bands);
      blockRows(s, x, expand, depthwise, project, leakyAlpha, n, oy0, oy1, out);
    }
  });
}

}  // namespace asc::kernels
