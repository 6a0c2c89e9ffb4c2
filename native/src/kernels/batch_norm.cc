#include "kernels/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/parallel.h"

namespace asc::kernels {

void batchNorm(const float* x, std::size_t rows, std::size_t channels, const BatchNormParams& p,
               float* out) {
  // Per-channel factor and the two terms, so the row loop is two fused multiply-adds.
  std::vector<float> mean(channels), factor(channels), offset(channels);
  for (std::size_t c = 0; c < channels; ++c) {
    const float m = p.mean[p.meanLength == 1 ? 0 : c];
    const float v = p.variance[p.varianceLength == 1 ? 0 : c];
    const float s = p.scale ? p.scale[p.scaleLength == 1 ? 0 : c] : 1.0f;
    mean[c] = m;
    factor[c] = s / std::sqrt(v + p.epsilon);
    offset[c] = p.offset ? p.offset[p.offsetLength == 1 ? 0 : c] : 0.0f;
  }
  const std::size_t grain =
      std::max<std::size_t>(1, kStreamGrain / std::max<std::size_t>(1, channels));
  parallelRange(rows, grain, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) {
      const float* xr = x + r * channels;
      float* o = out + r * channels;
      for (std::size_t c = 0; c < channels; ++c) o[c] = offset[c] + (xr[c] - mean[c]) * factor[c];
      // On the row while it is in L1: the activation costs no extra pass over memory.
      applyActivation(p.activation, 0.0f, o, channels);
    }
  });
}

namespace {

// Two per-channel sums over rows, in double: accumulate(r0, r1, sumA, sumB) adds rows
// [r0, r1) into one part's sums; the parts are fixed and merged in part order, so the
// totals depend on neither scheduling nor thread count. Returns [sumA..., sumB...].
template <class Accumulate>
std::vector<double> channelSumPair(std::size_t rows, std::size_t channels,
                                   Accumulate&& accumulate) {
  const std::size_t parts = partCount(rows * channels, kStreamGrain);
  std::vector<double> sums(parts * 2 * channels, 0.0);
  forEachPart(rows, parts, [&](std::size_t part, std::size_t r0, std::size_t r1) {
    double* a = sums.data() + part * 2 * channels;
    accumulate(r0, r1, a, a + channels);
  });
  std::vector<double> total(2 * channels, 0.0);
  for (std::size_t part = 0; part < parts; ++part) {
    for (std::size_t i = 0; i < 2 * channels; ++i) total[i] += sums[part * 2 * channels + i];
  }
  return total;
}

}  // namespace

void batchNormTraining(const float* x, std::size_t rows, std::size_t channels,
                       const BatchNormParams& p, float* out, float* mean, float* variance) {
  if (rows == 0) {
    std::fill(mean, mean + channels, std::numeric_limits<float>::quiet_NaN());
    std::fill(variance, variance + channels, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  // Sums of x minus its first row (shifted data): one pass over x, without the
  // cancellation of E[x^2] - E[x]^2 when the mean is far from zero.
  const float* shift = x;
  const std::vector<double> sums = channelSumPair(
      rows, channels, [&](std::size_t r0, std::size_t r1, double* sum, double* sumSquares) {
        for (std::size_t r = r0; r < r1; ++r) {
          const float* xr = x + r * channels;
          for (std::size_t c = 0; c < channels; ++c) {
            const double d = static_cast<double>(xr[c]) - shift[c];
            sum[c] += d;
            sumSquares[c] += d * d;
          }
        }
      });
  const double n = static_cast<double>(rows);
  for (std::size_t c = 0; c < channels; ++c) {
    const double m = sums[c] / n;
    mean[c] = static_cast<float>(shift[c] + m);
    variance[c] = static_cast<float>(std::max(0.0, sums[channels + c] / n - m * m));
  }
  BatchNormParams q = p;
  q.mean = mean;
  q.meanLength = channels;
  q.variance = variance;
  q.varianceLength = channels;
  batchNorm(x, rows, channels, q, out);
}

namespace {

// The two passes of batchNormGrad for one activation: gradAt(xc, dy, c) gives the
// gradient g at the normalisation's output from x - mean and the incoming dy. When g
// costs more than a memory stream (swish's sigmoid), pass 1 stores it in dx and pass 2
// reads it back instead of computing it again.
template <bool kStoreG, class GradAt>
void batchNormGradPasses(const float* x, const float* dy, std::size_t rows, std::size_t channels,
                         const BatchNormGradParams& p, const BatchNormGrads& out,
                         const std::vector<float>& r, GradAt gradAt) {
  // Pass 1: per-channel sum(g) and sum(g * (x - mean)).
  const std::vector<double> sums = channelSumPair(
      rows, channels, [&](std::size_t r0, std::size_t r1, double* sumG, double* sumGXc) {
        for (std::size_t row = r0; row < r1; ++row) {
          const float* xr = x + row * channels;
          const float* dr = dy + row * channels;
          float* gr = out.dx + row * channels;
          for (std::size_t c = 0; c < channels; ++c) {
            const float xc = xr[c] - p.mean[c];
            const float g = gradAt(xc, dr[c], c);
            if (kStoreG) gr[c] = g;
            sumG[c] += g;
            sumGXc[c] += static_cast<double>(g) * xc;
          }
        }
      });
  // dx = factor * g + slope * (x - mean) + shift, per channel.
  std::vector<float> factor(channels), slope(channels, 0.0f), shift(channels, 0.0f);
  const double n = static_cast<double>(rows);
  for (std::size_t c = 0; c < channels; ++c) {
    const double sumG = sums[c], sumGXc = sums[channels + c];
    const double rc = r[c];
    const double s = p.scale ? p.scale[c] : 1.0;
    factor[c] = static_cast<float>(rc * s);
    out.dMean[c] = static_cast<float>(-rc * s * sumG);
    out.dVariance[c] = static_cast<float>(-0.5 * rc * rc * rc * s * sumGXc);
    out.dScale[c] = static_cast<float>(rc * sumGXc);
    out.dOffset[c] = static_cast<float>(sumG);
    if (p.batchStatistics) {
      // d mean / dx = 1 / n and d variance / dx = 2 (x - mean) / n (biased variance).
      const double dMeanIn = p.dMeanIn ? p.dMeanIn[c] : 0.0;
      const double dVarianceIn = p.dVarianceIn ? p.dVarianceIn[c] : 0.0;
      slope[c] = static_cast<float>((-s * rc * rc * rc * sumGXc + 2.0 * dVarianceIn) / n);
      shift[c] = static_cast<float>((-s * rc * sumG + dMeanIn) / n);
      out.dMean[c] = 0.0f;
      out.dVariance[c] = 0.0f;
    }
  }
  // Pass 2: dx.
  const std::size_t grain =
      std::max<std::size_t>(1, kStreamGrain / std::max<std::size_t>(1, channels));
  parallelRange(rows, grain, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t row = r0; row < r1; ++row) {
      const float* xr = x + row * channels;
      const float* dr = dy + row * channels;
      float* o = out.dx + row * channels;
      const auto g = [&](float xc, std::size_t c) { return kStoreG ? o[c] : gradAt(xc, dr[c], c); };
      if (p.batchStatistics) {
        for (std::size_t c = 0; c < channels; ++c) {
          const float xc = xr[c] - p.mean[c];
          o[c] = g(xc, c) * factor[c] + xc * slope[c] + shift[c];
        }
      } else {
        for (std::size_t c = 0; c < channels; ++c) o[c] = g(xr[c] - p.mean[c], c) * factor[c];
      }
    }
  });
}

// The gradAt of batchNormGradPasses for an activation's derivative (activation.h): the
// derivative at z = offset + (x - mean) * zFactor, the normalisation's output.
template <float (*Grad)(float, float)>
auto throughActivation(const float* zFactor, const float* offset) {
  return [zFactor, offset](float xc, float dy, std::size_t c) {
    return Grad(offset[c] + xc * zFactor[c], dy);
  };
}

}  // namespace

void batchNormGrad(const float* x, const float* dy, std::size_t rows, std::size_t channels,
                   const BatchNormGradParams& p, const BatchNormGrads& out) {
  std::vector<float> r(channels), zFactor(channels), offset(channels);
  for (std::size_t c = 0; c < channels; ++c) {
    r[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.variance[c]) + p.epsilon));
    zFactor[c] = r[c] * (p.scale ? p.scale[c] : 1.0f);
    offset[c] = p.offset ? p.offset[c] : 0.0f;
  }
  const float* zf = zFactor.data();
  const float* off = offset.data();
  switch (p.activation) {
    case Activation::Swish:
      return batchNormGradPasses<true>(x, dy, rows, channels, p, out, r,
                                       throughActivation<act::swishGrad>(zf, off));
    case Activation::Relu:
      return batchNormGradPasses<false>(x, dy, rows, channels, p, out, r,
                                        throughActivation<act::reluGrad>(zf, off));
    case Activation::Relu6:
      return batchNormGradPasses<false>(x, dy, rows, channels, p, out, r,
                                        throughActivation<act::relu6Grad>(zf, off));
    default:
      return batchNormGradPasses<false>(x, dy, rows, channels, p, out, r,
                                        [](float, float d, std::size_t) { return d; });
  }
}

}  // namespace asc::kernels
