#include "kernels/elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "kernels/parallel.h"
#include "kernels/vec_math.h"

namespace asc::kernels {

namespace {

// Elements per parallel chunk of a streaming loop: big enough to amortise a fork-join.
constexpr std::size_t kStreamGrain = 32 * 1024;

struct AddF {
  float operator()(float a, float b) const { return a + b; }
};
struct SubF {
  float operator()(float a, float b) const { return a - b; }
};
struct MulF {
  float operator()(float a, float b) const { return a * b; }
};
struct DivF {
  float operator()(float a, float b) const { return a / b; }
};
struct SqDiffF {
  float operator()(float a, float b) const { return (a - b) * (a - b); }
};
struct MaxF {
  float operator()(float a, float b) const { return a > b || std::isnan(a) ? a : b; }
};
struct MinF {
  float operator()(float a, float b) const { return a < b || std::isnan(a) ? a : b; }
};
struct SigmoidGradF {
  float operator()(float y, float dy) const { return dy * (y * (1.0f - y)); }
};
struct SquareGradF {
  float operator()(float x, float dy) const { return dy * (x * 2.0f); }
};
struct Relu6GradF {
  float operator()(float x, float dy) const {
    const float step = std::isnan(x) ? x : (x > 0.0f ? 1.0f : 0.0f);
    return dy * ((x <= 6.0f ? 1.0f : 0.0f) * step);
  }
};
struct SwishGradF {
  float operator()(float x, float dy) const {
    const float s = sigmoidApprox(x);
    return dy * (s * (1.0f + x * (1.0f - s)));
  }
};
template <class Cmp>
struct DyWhereF {
  float param;
  float operator()(float x, float dy) const { return dy * (Cmp{}(x, param) ? 1.0f : 0.0f); }
};
struct ReluGradF {
  float operator()(float x, float dy) const {
    return dy * (std::isnan(x) ? x : (x > 0.0f ? 1.0f : 0.0f));
  }
};

// One innermost run: strides are 0 (broadcast) or 1.
template <class F>
void run(F f, const float* a, bool aStep, const float* b, bool bStep, float* o, std::size_t n) {
  if (aStep && bStep) {
    for (std::size_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  } else if (aStep) {
    const float bv = b[0];
    for (std::size_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
  } else if (bStep) {
    const float av = a[0];
    for (std::size_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
  } else {
    const float v = f(a[0], b[0]);
    for (std::size_t i = 0; i < n; ++i) o[i] = v;
  }
}

// A broadcast binary op after merging dimensions: `dims` outer-to-inner, with element
// strides (0 where broadcast) of a and b; the innermost dim has strides 0 or 1.
struct Plan {
  std::vector<std::size_t> dims, aStrides, bStrides;
};

Plan plan(const Shape& aShape, const Shape& bShape, const Shape& outShape) {
  const std::size_t rank = outShape.size();
  std::vector<std::size_t> sa(rank, 0), sb(rank, 0);
  std::size_t accA = 1, accB = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    const std::size_t d = rank - 1 - i;
    const std::size_t da = i < aShape.size() ? aShape[aShape.size() - 1 - i] : 1;
    const std::size_t db = i < bShape.size() ? bShape[bShape.size() - 1 - i] : 1;
    sa[d] = da == 1 ? 0 : accA;
    sb[d] = db == 1 ? 0 : accB;
    accA *= da;
    accB *= db;
  }
  Plan p;
  for (std::size_t d = 0; d < rank; ++d) {
    if (outShape[d] == 1) continue;
    if (!p.dims.empty()) {
      const std::size_t last = p.dims.size() - 1;
      // Merge into the previous (outer) dim when both operands stay contiguous across it.
      const bool aMerge = p.aStrides[last] == sa[d] * outShape[d];
      const bool bMerge = p.bStrides[last] == sb[d] * outShape[d];
      if (aMerge && bMerge) {
        p.dims[last] *= outShape[d];
        p.aStrides[last] = sa[d];
        p.bStrides[last] = sb[d];
        continue;
      }
    }
    p.dims.push_back(outShape[d]);
    p.aStrides.push_back(sa[d]);
    p.bStrides.push_back(sb[d]);
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    p.aStrides.push_back(0);
    p.bStrides.push_back(0);
  }
  return p;
}

template <class F>
void binaryPlanned(F f, const float* a, const float* b, float* out, const Plan& p) {
  const std::size_t rank = p.dims.size();
  const std::size_t inner = p.dims[rank - 1];
  const bool aStep = p.aStrides[rank - 1] != 0;
  const bool bStep = p.bStrides[rank - 1] != 0;
  std::size_t outer = 1;
  for (std::size_t d = 0; d + 1 < rank; ++d) outer *= p.dims[d];
  if (outer == 1) {
    parallelRange(inner, kStreamGrain, [&](std::size_t i0, std::size_t i1) {
      run(f, a + (aStep ? i0 : 0), aStep, b + (bStep ? i0 : 0), bStep, out + i0, i1 - i0);
    });
    return;
  }
  const std::size_t grain = std::max<std::size_t>(1, kStreamGrain / inner);
  parallelRange(outer, grain, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) {
      std::size_t rest = r, offA = 0, offB = 0;
      for (std::size_t d = rank - 1; d-- > 0;) {
        const std::size_t idx = rest % p.dims[d];
        rest /= p.dims[d];
        offA += idx * p.aStrides[d];
        offB += idx * p.bStrides[d];
      }
      run(f, a + offA, aStep, b + offB, bStep, out + r * inner, inner);
    }
  });
}

template <class F>
void unaryLoop(F f, const float* x, float* out, std::size_t n) {
  parallelRange(n, kStreamGrain, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) out[i] = f(x[i]);
  });
}

}  // namespace

void binaryBroadcast(BinaryOp op, const float* a, const Shape& aShape, const float* b,
                     const Shape& bShape, float* out, const Shape& outShape, float param) {
  const Plan p = plan(aShape, bShape, outShape);
  switch (op) {
    case BinaryOp::Add:
      return binaryPlanned(AddF{}, a, b, out, p);
    case BinaryOp::Sub:
      return binaryPlanned(SubF{}, a, b, out, p);
    case BinaryOp::Mul:
      return binaryPlanned(MulF{}, a, b, out, p);
    case BinaryOp::Div:
      return binaryPlanned(DivF{}, a, b, out, p);
    case BinaryOp::SquaredDifference:
      return binaryPlanned(SqDiffF{}, a, b, out, p);
    case BinaryOp::Maximum:
      return binaryPlanned(MaxF{}, a, b, out, p);
    case BinaryOp::Minimum:
      return binaryPlanned(MinF{}, a, b, out, p);
    case BinaryOp::SigmoidGrad:
      return binaryPlanned(SigmoidGradF{}, a, b, out, p);
    case BinaryOp::SquareGrad:
      return binaryPlanned(SquareGradF{}, a, b, out, p);
    case BinaryOp::ReluGrad:
      return binaryPlanned(ReluGradF{}, a, b, out, p);
    case BinaryOp::Relu6Grad:
      return binaryPlanned(Relu6GradF{}, a, b, out, p);
    case BinaryOp::SwishGrad:
      return binaryPlanned(SwishGradF{}, a, b, out, p);
    case BinaryOp::DyWhereLE:
      return binaryPlanned(DyWhereF<std::less_equal<float>>{param}, a, b, out, p);
    case BinaryOp::DyWhereLT:
      return binaryPlanned(DyWhereF<std::less<float>>{param}, a, b, out, p);
    case BinaryOp::DyWhereGE:
      return binaryPlanned(DyWhereF<std::greater_equal<float>>{param}, a, b, out, p);
    case BinaryOp::DyWhereGT:
      return binaryPlanned(DyWhereF<std::greater<float>>{param}, a, b, out, p);
  }
}

void unary(UnaryOp op, const float* x, float* out, std::size_t n, float alpha) {
  switch (op) {
    case UnaryOp::Sigmoid:
      return unaryLoop([](float v) { return sigmoidApprox(v); }, x, out, n);
    case UnaryOp::Square:
      return unaryLoop([](float v) { return v * v; }, x, out, n);
    case UnaryOp::Rsqrt:
      return unaryLoop([](float v) { return 1.0f / std::sqrt(v); }, x, out, n);
    case UnaryOp::Sqrt:
      return unaryLoop([](float v) { return std::sqrt(v); }, x, out, n);
    case UnaryOp::Neg:
      return unaryLoop([](float v) { return -v; }, x, out, n);
    case UnaryOp::Relu:
      return unaryLoop([](float v) { return v < 0.0f ? 0.0f : v; }, x, out, n);
    case UnaryOp::Exp:
      return unaryLoop([](float v) { return expApprox(v); }, x, out, n);
    case UnaryOp::Abs:
      return unaryLoop([](float v) { return std::fabs(v); }, x, out, n);
    case UnaryOp::Reciprocal:
      return unaryLoop([](float v) { return 1.0f / v; }, x, out, n);
    case UnaryOp::Relu6:
      return unaryLoop([](float v) { return std::min(std::max(v, 0.0f), 6.0f); }, x, out, n);
    case UnaryOp::Swish:
      return unaryLoop([](float v) { return v * sigmoidApprox(v); }, x, out, n);
    case UnaryOp::Step:
      return unaryLoop([alpha](float v) { return std::isnan(v) ? v : (v > 0.0f ? 1.0f : alpha); },
                       x, out, n);
  }
}

void sumReduce(const float* x, std::size_t outer, std::size_t reduce, std::size_t inner,
               double scale, float* out) {
  if (inner == 1) {
    // Row sums: eight double lanes so the loop vectorises without reassociation flags.
    const std::size_t grain =
        std::max<std::size_t>(1, kStreamGrain / std::max<std::size_t>(1, reduce));
    parallelRange(outer, grain, [&](std::size_t o0, std::size_t o1) {
      for (std::size_t o = o0; o < o1; ++o) {
        const float* row = x + o * reduce;
        double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t r = 0;
        for (; r + 8 <= reduce; r += 8) {
          for (int j = 0; j < 8; ++j) lanes[j] += row[r + j];
        }
        double s = 0;
        for (; r < reduce; ++r) s += row[r];
        for (int j = 0; j < 8; ++j) s += lanes[j];
        out[o] = static_cast<float>(s * scale);
      }
    });
    return;
  }
  // Column sums: float partial sums over blocks of 64 rows (vectorised without
  // conversions), flushed into double accumulators.
  auto columnSums = [inner](const float* block, std::size_t r0, std::size_t r1, double* acc) {
    float* partial = threadScratch(inner);
    for (std::size_t b0 = r0; b0 < r1; b0 += 64) {
      const std::size_t b1 = std::min(r1, b0 + 64);
      std::fill(partial, partial + inner, 0.0f);
      for (std::size_t r = b0; r < b1; ++r) {
        const float* row = block + r * inner;
        for (std::size_t i = 0; i < inner; ++i) partial[i] += row[i];
      }
      for (std::size_t i = 0; i < inner; ++i) acc[i] += partial[i];
    }
  };
  if (outer >= kReductionParts) {
    parallelRange(outer, 1, [&](std::size_t o0, std::size_t o1) {
      std::vector<double> acc(inner);
      for (std::size_t o = o0; o < o1; ++o) {
        std::fill(acc.begin(), acc.end(), 0.0);
        columnSums(x + o * reduce * inner, 0, reduce, acc.data());
        for (std::size_t i = 0; i < inner; ++i) {
          out[o * inner + i] = static_cast<float>(acc[i] * scale);
        }
      }
    });
    return;
  }
  // Few outer blocks (batch-norm statistics: one): split the reduced rows into
  // parts with private accumulators, merged in part order.
  const std::size_t parts = partCount(reduce * inner, kStreamGrain);
  std::vector<double> acc(parts * inner);
  for (std::size_t o = 0; o < outer; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const float* block = x + o * reduce * inner;
    forEachPart(reduce, parts, [&](std::size_t p, std::size_t r0, std::size_t r1) {
      columnSums(block, r0, r1, acc.data() + p * inner);
    });
    for (std::size_t i = 0; i < inner; ++i) {
      double s = 0;
      for (std::size_t p = 0; p < parts; ++p) s += acc[p * inner + i];
      out[o * inner + i] = static_cast<float>(s * scale);
    }
  }
}

void adamStep(const float* w, const float* g, const float* m, const float* v, std::size_t n,
              const AdamParams& p, float* wOut, float* mOut, float* vOut) {
  const float oneMinusBeta1 = 1.0f - p.beta1, oneMinusBeta2 = 1.0f - p.beta2;
  parallelRange(n, kStreamGrain, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const float gi = p.weightDecay > 0.0f ? g[i] + w[i] * p.weightDecay : g[i];
      const float mi = m[i] * p.beta1 + gi * oneMinusBeta1;
      const float vi = v[i] * p.beta2 + gi * gi * oneMinusBeta2;
      mOut[i] = mi;
      vOut[i] = vi;
      wOut[i] = w[i] - mi / (std::sqrt(vi) / p.sqrtC2 + p.epsilon) * p.stepSize;
    }
  });
}

void tile(const float* x, const Shape& inShape, const Shape& reps, float* out) {
  const std::size_t rank = inShape.size();
  if (rank == 0) {
    out[0] = x[0];
    return;
  }
  const std::size_t innerIn = inShape[rank - 1];
  const std::size_t innerOut = innerIn * reps[rank - 1];
  std::size_t rows = 1;
  for (std::size_t d = 0; d + 1 < rank; ++d) rows *= inShape[d] * reps[d];
  const std::size_t grain =
      std::max<std::size_t>(1, kStreamGrain / std::max<std::size_t>(1, innerOut));
  parallelRange(rows, grain, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) {
      // The input row of output row r: each outer output index modulo the input dim.
      std::size_t rest = r, inRow = 0, inStride = 1;
      for (std::size_t d = rank - 1; d-- > 0;) {
        const std::size_t outDim = inShape[d] * reps[d];
        const std::size_t idx = rest % outDim;
        rest /= outDim;
        inRow += (idx % inShape[d]) * inStride;
        inStride *= inShape[d];
      }
      const float* src = x + inRow * innerIn;
      float* dst = out + r * innerOut;
      for (std::size_t k = 0; k < reps[rank - 1]; ++k) {
        std::memcpy(dst + k * innerIn, src, innerIn * sizeof(float));
      }
    }
  });
}

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

}  // namespace

void batchNormGrad(const float* x, const float* dy, std::size_t rows, std::size_t channels,
                   const BatchNormGradParams& p, const BatchNormGrads& out) {
  // z = offset + (x - mean) * zFactor is the normalisation's output, which the
  // activation's derivative needs.
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
                                       [zf, off](float xc, float d, std::size_t c) {
                                         const float z = off[c] + xc * zf[c];
                                         const float s = sigmoidApprox(z);
                                         return d * (s * (1.0f + z * (1.0f - s)));
                                       });
    case Activation::Relu:
      return batchNormGradPasses<false>(x, dy, rows, channels, p, out, r,
                                        [zf, off](float xc, float d, std::size_t c) {
                                          return d * (off[c] + xc * zf[c] > 0.0f ? 1.0f : 0.0f);
                                        });
    case Activation::Relu6:
      return batchNormGradPasses<false>(
          x, dy, rows, channels, p, out, r, [zf, off](float xc, float d, std::size_t c) {
            // Products, not && (which does not vectorise), as tfjs's
            // dy * ((z <= 6) * step(z)).
            const float z = off[c] + xc * zf[c];
            return d * ((z <= 6.0f ? 1.0f : 0.0f) * (z > 0.0f ? 1.0f : 0.0f));
          });
    default:
      return batchNormGradPasses<false>(x, dy, rows, channels, p, out, r,
                                        [](float, float d, std::size_t) { return d; });
  }
}

}  // namespace asc::kernels
