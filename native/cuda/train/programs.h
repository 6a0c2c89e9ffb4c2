// The arithmetic of the tfjs backend's device kernels, as programs over an index space:
// each program is a small struct whose operator()(i) computes output element (or output
// tile) i and writes nothing else, so that the same struct runs as a CUDA grid-stride
// kernel (launch_cuda.cu) and as a host loop (launch_host.h, the emulated device).
// Everything here is ASC_HD (cuda/common/hd.h). Reductions are split into fixed parts
// whose partial sums are merged in part order by a second program: no float atomics, so
// results repeat to the byte on one device, whatever the scheduling.
//
// The element functions are the CPU kernels' own (src/kernels/activation.h, vec_math.h);
// the op codes are the CPU kernels' enums (src/kernels/elementwise.h, activation.h).
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda/common/hd.h"
#include "kernels/activation.h"
#include "kernels/elementwise.h"
#include "kernels/geometry.h"
#include "kernels/window_gather.h"

namespace asc::cuda::train {

using Index = std::int64_t;
using kernels::Activation;
using kernels::BinaryOp;
using kernels::ConvGeometry;
using kernels::forEachCoveringWindow;
using kernels::forEachInBoundsTap;
using kernels::inBoundsWindow;
using kernels::UnaryOp;
using kernels::WindowSpan;
namespace act = kernels::act;

// The most dimensions a strided view has (tfjs tensors have up to 6).
constexpr int kMaxRank = 6;

// An element view of a buffer: out index i (row-major over `dims`) -> element offset
// base + sum_d (coord_d % mods_d) * strides_d. kind 0: offset = i (contiguous, the
// common case, no division); 1: offset = base (a broadcast scalar); 2: strided.
struct View {
  int kind = 0;
  int rank = 0;
  Index base = 0;
  Index dims[kMaxRank] = {};
  Index strides[kMaxRank] = {};
  Index mods[kMaxRank] = {};  // 0: no modulo (Tile sets the input's size)

  ASC_HD Index offset(Index i) const {
    if (kind == 0) return i;
    if (kind == 1) return base;
    Index off = base;
    for (int d = rank - 1; d >= 0; --d) {
      const Index q = i / dims[d];
      Index coord = i - q * dims[d];
      if (mods[d] != 0) coord %= mods[d];
      off += coord * strides[d];
      i = q;
    }
    return off;
  }
};

// ---- Elementwise ---------------------------------------------------------------------

ASC_HD float binaryValue(int op, float a, float b, float param) {
  switch (static_cast<BinaryOp>(op)) {
    case BinaryOp::Add:
      return a + b;
    case BinaryOp::Sub:
      return a - b;
    case BinaryOp::Multiply:
      return a * b;
    case BinaryOp::RealDiv:
      return a / b;
    case BinaryOp::SquaredDifference:
      return (a - b) * (a - b);
    case BinaryOp::Maximum:
      return a > b || a != a ? a : b;
    case BinaryOp::Minimum:
      return a < b || a != a ? a : b;
    case BinaryOp::SigmoidGrad:
      return act::sigmoidGrad(a, b);
    case BinaryOp::SquareGrad:
      return b * (a * 2.0f);
    case BinaryOp::ReluGrad:
      return act::reluGrad(a, b);
    case BinaryOp::Relu6Grad:
      return act::relu6Grad(a, b);
    case BinaryOp::SwishGrad:
      return act::swishGrad(a, b);
    case BinaryOp::DyWhereLE:
      return b * (a <= param ? 1.0f : 0.0f);
    case BinaryOp::DyWhereLT:
      return b * (a < param ? 1.0f : 0.0f);
    case BinaryOp::DyWhereGE:
      return b * (a >= param ? 1.0f : 0.0f);
    case BinaryOp::DyWhereGT:
      return b * (a > param ? 1.0f : 0.0f);
  }
  return 0.0f;
}

// The unary ops the backend computes beyond the CPU kernels' (src/kernels/elementwise.h),
// named as tfjs's kernels; their codes start at kExtraUnaryBase, after the CPU enum's.
#define ASC_EXTRA_UNARY_OPS(X) \
  X(Log)                       \
  X(Log1p)                     \
  X(Floor)                     \
  X(Tanh)                      \
  X(Ceil)                      \
  X(Round)                     \
  X(Sign)                      \
  X(Expm1)                     \
  X(Softplus)                  \
  X(LeakyRelu)                 \
  X(Elu)
constexpr int kExtraUnaryBase = 100;
#define ASC_EXTRA_UNARY_ENUMERATOR(id) k##id,
enum class ExtraUnary {
  kFirst = kExtraUnaryBase - 1,
  ASC_EXTRA_UNARY_OPS(ASC_EXTRA_UNARY_ENUMERATOR)
};
#undef ASC_EXTRA_UNARY_ENUMERATOR
#define ASC_EXTRA_UNARY_NAME(id) #id,
inline constexpr const char* kExtraUnaryNames[] = {ASC_EXTRA_UNARY_OPS(ASC_EXTRA_UNARY_NAME)};
#undef ASC_EXTRA_UNARY_NAME

ASC_HD float unaryValue(int op, float x, float alpha) {
  switch (op) {
    case static_cast<int>(UnaryOp::Sigmoid):
      return act::sigmoid(x);
    case static_cast<int>(UnaryOp::Square):
      return x * x;
    case static_cast<int>(UnaryOp::Rsqrt):
      return 1.0f / sqrtf(x);
    case static_cast<int>(UnaryOp::Sqrt):
      return sqrtf(x);
    case static_cast<int>(UnaryOp::Neg):
      return -x;
    case static_cast<int>(UnaryOp::Relu):
      return act::relu(x);
    case static_cast<int>(UnaryOp::Exp):
      return kernels::expApprox(x);
    case static_cast<int>(UnaryOp::Abs):
      return fabsf(x);
    case static_cast<int>(UnaryOp::Reciprocal):
      return 1.0f / x;
    case static_cast<int>(UnaryOp::Step):
      return act::step(x, alpha);
    case static_cast<int>(UnaryOp::Relu6):
      return act::relu6(x);
    case static_cast<int>(UnaryOp::Swish):
      return act::swish(x);
    case static_cast<int>(ExtraUnary::kLog):
      return logf(x);
    case static_cast<int>(ExtraUnary::kLog1p):
      return log1pf(x);
    case static_cast<int>(ExtraUnary::kFloor):
      return floorf(x);
    case static_cast<int>(ExtraUnary::kTanh):
      return tanhf(x);
    case static_cast<int>(ExtraUnary::kCeil):
      return ceilf(x);
    // tfjs rounds half to even.
    case static_cast<int>(ExtraUnary::kRound):
      return rintf(x);
    case static_cast<int>(ExtraUnary::kSign):
      return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : (x != x ? x : 0.0f));
    case static_cast<int>(ExtraUnary::kExpm1):
      return expm1f(x);
    case static_cast<int>(ExtraUnary::kSoftplus):
      return log1pf(kernels::expApprox(x));
    case static_cast<int>(ExtraUnary::kLeakyRelu):
      return act::leakyRelu(x, alpha);
    case static_cast<int>(ExtraUnary::kElu):
      return x >= 0.0f ? x : expm1f(x);
  }
  return x;
}

// Whether unaryValue knows `op` (kernels_impl.h refuses other codes before launching).
inline bool knownUnary(int op) {
  constexpr int cpuOps = sizeof(kernels::kUnaryOpNames) / sizeof(kernels::kUnaryOpNames[0]);
  constexpr int extraOps = sizeof(kExtraUnaryNames) / sizeof(kExtraUnaryNames[0]);
  return (op >= 0 && op < cpuOps) || (op >= kExtraUnaryBase && op < kExtraUnaryBase + extraOps);
}

// A fused activation (FusedConv2D, _FusedMatMul, batch norm).
ASC_HD float activate(int activation, float x, float alpha) {
  switch (static_cast<Activation>(activation)) {
    case Activation::Linear:
      return x;
    case Activation::Relu:
      return act::relu(x);
    case Activation::Relu6:
      return act::relu6(x);
    case Activation::Sigmoid:
      return act::sigmoid(x);
    case Activation::LeakyRelu:
      return act::leakyRelu(x, alpha);
    case Activation::Swish:
      return act::swish(x);
  }
  return x;
}

// The derivative of a fused activation at its input z, times dy (batch-norm gradient).
ASC_HD float activationGrad(int activation, float z, float dy) {
  switch (static_cast<Activation>(activation)) {
    case Activation::Relu:
      return act::reluGrad(z, dy);
    case Activation::Relu6:
      return act::relu6Grad(z, dy);
    case Activation::Swish:
      return act::swishGrad(z, dy);
    default:
      return dy;
  }
}

struct BinaryProgram {
  int op;
  float param;
  const float* a;
  const float* b;
  float* out;
  View va, vb;
  ASC_HD void operator()(Index i) const {
    out[i] = binaryValue(op, a[va.offset(i)], b[vb.offset(i)], param);
  }
};

struct UnaryProgram {
  int op;
  float alpha;
  const float* x;
  float* out;
  ASC_HD void operator()(Index i) const { out[i] = unaryValue(op, x[i], alpha); }
};

// Element types of the data-movement programs (4-byte values are moved as bits).
enum class Dtype { kFloat32 = 0, kInt32 = 1, kBool = 2 };

// tfjs's Cast between float32, int32 and bool: to int32 truncates toward zero (NaN -> 0,
// as Int32Array does), to bool is x != 0.
struct CastProgram {
  int from;
  int to;
  const void* x;
  void* out;
  ASC_HD void operator()(Index i) const {
    float v = 0.0f;
    std::int32_t n = 0;
    bool isFloat = false;
    if (from == static_cast<int>(Dtype::kFloat32)) {
      v = static_cast<const float*>(x)[i];
      isFloat = true;
    } else if (from == static_cast<int>(Dtype::kInt32)) {
      n = static_cast<const std::int32_t*>(x)[i];
    } else {
      n = static_cast<const std::uint8_t*>(x)[i];
    }
    if (to == static_cast<int>(Dtype::kFloat32)) {
      static_cast<float*>(out)[i] = isFloat ? v : static_cast<float>(n);
    } else if (to == static_cast<int>(Dtype::kInt32)) {
      std::int32_t r = n;
      if (isFloat)
        r = v != v ? 0
                   : (v >= 2147483648.0f || v < -2147483648.0f ? 0 : static_cast<std::int32_t>(v));
      static_cast<std::int32_t*>(out)[i] = r;
    } else {
      static_cast<std::uint8_t*>(out)[i] = (isFloat ? v != 0.0f : n != 0) ? 1 : 0;
    }
  }
};

// out[view_out(i)] = in[view_in(i)] for 4-byte elements: Slice, Transpose, Tile, the
// pieces of Concat and SplitV, Identity copies.
struct CopyProgram {
  const std::uint32_t* in;
  std::uint32_t* out;
  View vin, vout;
  ASC_HD void operator()(Index i) const { out[vout.offset(i)] = in[vin.offset(i)]; }
};

// PadV2: out (rank dims) from in, with `before[d]` padding values before each dim.
struct PadProgram {
  const std::uint32_t* in;
  std::uint32_t* out;
  std::uint32_t value;
  int rank;
  Index outDims[kMaxRank];
  Index inDims[kMaxRank];
  Index before[kMaxRank];
  ASC_HD void operator()(Index i) const {
    Index rest = i;
    Index off = 0;
    Index stride = 1;
    bool inside = true;
    for (int d = rank - 1; d >= 0; --d) {
      const Index q = rest / outDims[d];
      const Index c = rest - q * outDims[d] - before[d];
      rest = q;
      if (c < 0 || c >= inDims[d]) inside = false;
      off += c * stride;
      stride *= inDims[d];
    }
    out[i] = inside ? in[off] : value;
  }
};

// GatherV2 of 4-byte slices (batchDims 0): x viewed as [outer, axisSize, inner], out as
// [outer, count, inner]; indices are checked on the host.
struct GatherProgram {
  const std::uint32_t* x;
  const std::int32_t* indices;
  std::uint32_t* out;
  Index axisSize, count, inner;
  ASC_HD void operator()(Index i) const {
    const Index k = i % inner;
    const Index j = (i / inner) % count;
    const Index o = i / (inner * count);
    out[i] = x[(o * axisSize + indices[j]) * inner + k];
  }
};

// OneHot: out[i, d] = indices[i] == d ? on : off (float32 bits or int32).
struct OneHotProgram {
  const std::int32_t* indices;
  std::uint32_t* out;
  Index depth;
  std::uint32_t on, off;
  ASC_HD void operator()(Index i) const { out[i] = indices[i / depth] == i % depth ? on : off; }
};

struct FillProgram {
  std::uint32_t* out;
  std::uint32_t value;
  ASC_HD void operator()(Index i) const { out[i] = value; }
};

// ---- Reductions -----------------------------------------------------------------------

// The fixed parts a reduction over `reduce` items is split into, for `outputs` outputs:
// enough to give a GPU tens of thousands of threads, each part at least 16 items. A
// function of the shape only, so the sum order never changes.
ASC_HD Index reductionParts(Index outputs, Index reduce) {
  const Index target = 65536;
  Index parts = outputs >= target ? 1 : (target + outputs - 1) / outputs;
  const Index byLength = reduce / 16 > 1 ? reduce / 16 : 1;
  if (parts > byLength) parts = byLength;
  return parts < 1 ? 1 : parts;
}

ASC_HD Index partBegin(Index n, Index parts, Index p) { return n * p / parts; }

// Two sums per channel and part (the moments, the batch-norm gradient's sums): part p's
// at partials[(p * 2 + {0, 1}) * channels + c], merged in part order.
ASC_HD void storePartialPair(double* partials, Index channels, Index p, Index c, double first,
                             double second) {
  partials[(p * 2) * channels + c] = first;
  partials[(p * 2 + 1) * channels + c] = second;
}
ASC_HD void sumPartialPairs(const double* partials, Index channels, Index parts, Index c,
                            double& first, double& second) {
  first = 0.0;
  second = 0.0;
  for (Index p = 0; p < parts; ++p) {
    first += partials[(p * 2) * channels + c];
    second += partials[(p * 2 + 1) * channels + c];
  }
}

// Partial sums of x viewed as [outer, reduce, inner] over part p of the reduced axis:
// partials[(o * parts + p) * inner + k], in double.
struct SumPartialProgram {
  const float* x;
  double* partials;
  Index outer, reduce, inner, parts;
  ASC_HD void operator()(Index i) const {
    const Index k = i % inner;
    const Index p = (i / inner) % parts;
    const Index o = i / (inner * parts);
    const float* base = x + o * reduce * inner + k;
    double s = 0.0;
    for (Index r = partBegin(reduce, parts, p), e = partBegin(reduce, parts, p + 1); r < e; ++r)
      s += base[r * inner];
    partials[i] = s;
  }
};

// out[o * inner + k] = scale * sum_p partials, in part order.
struct SumFinalProgram {
  const double* partials;
  float* out;
  Index inner, parts;
  double scale;
  ASC_HD void operator()(Index i) const {
    const Index k = i % inner;
    const Index o = i / inner;
    double s = 0.0;
    for (Index p = 0; p < parts; ++p) s += partials[(o * parts + p) * inner + k];
    out[i] = static_cast<float>(s * scale);
  }
};

// ---- Batch normalisation (src/kernels/batch_norm.h, the same arithmetic) ---------------

// Per-channel terms of batchNorm: mean, factor = scale / sqrt(variance + epsilon),
// offset; parameters of length `channels` or 1, offset and scale optional.
struct BatchNormTermsProgram {
  const float* mean;
  const float* variance;
  const float* offset;
  const float* scale;
  Index meanLength, varianceLength, offsetLength, scaleLength;
  float epsilon;
  float* terms;  // [3][channels]
  Index channels;
  ASC_HD void operator()(Index c) const {
    const float m = mean[meanLength == 1 ? 0 : c];
    const float v = variance[varianceLength == 1 ? 0 : c];
    const float s = scale ? scale[scaleLength == 1 ? 0 : c] : 1.0f;
    terms[c] = m;
    terms[channels + c] = s / sqrtf(v + epsilon);
    terms[2 * channels + c] = offset ? offset[offsetLength == 1 ? 0 : c] : 0.0f;
  }
};

struct BatchNormApplyProgram {
  const float* x;
  const float* terms;
  float* out;
  Index channels;
  int activation;
  ASC_HD void operator()(Index i) const {
    const Index c = i % channels;
    const float v = terms[2 * channels + c] + (x[i] - terms[c]) * terms[channels + c];
    out[i] = activate(activation, v, 0.0f);
  }
};

// Training moments, part p of the rows for channel c: the sums of d = x - x[row 0] and
// d^2 in double (shifted data, as the CPU kernel), at partials[(p * 2 + {0, 1}) * C + c].
struct MomentsPartialProgram {
  const float* x;
  double* partials;
  Index rows, channels, parts;
  ASC_HD void operator()(Index i) const {
    const Index c = i % channels;
    const Index p = i / channels;
    const double shift = x[c];
    double s = 0.0;
    double sq = 0.0;
    for (Index r = partBegin(rows, parts, p), e = partBegin(rows, parts, p + 1); r < e; ++r) {
      const double d = static_cast<double>(x[r * channels + c]) - shift;
      s += d;
      sq += d * d;
    }
    storePartialPair(partials, channels, p, c, s, sq);
  }
};

// mean = shift + m, variance = max(0, E[d^2] - m^2) with m = E[d]; NaN without rows.
struct MomentsFinalProgram {
  const float* x;
  const double* partials;
  float* mean;
  float* variance;
  Index rows, channels, parts;
  ASC_HD void operator()(Index c) const {
    if (rows == 0) {
      mean[c] = bitsFloat(0x7fc00000u);
      variance[c] = bitsFloat(0x7fc00000u);
      return;
    }
    double s;
    double sq;
    sumPartialPairs(partials, channels, parts, c, s, sq);
    const double n = static_cast<double>(rows);
    const double m = s / n;
    mean[c] = static_cast<float>(x[c] + m);
    const double v = sq / n - m * m;
    variance[c] = static_cast<float>(v > 0.0 ? v : 0.0);
  }
};

// The batch-norm gradient's per-channel inputs: r = 1 / sqrt(variance + epsilon) (in
// double, as the CPU), zFactor = r * scale, offset. terms: [3][channels].
struct BatchNormGradTermsProgram {
  const float* variance;
  const float* scale;
  const float* offset;
  float epsilon;
  float* terms;
  Index channels;
  ASC_HD void operator()(Index c) const {
    const float r = static_cast<float>(1.0 / sqrt(static_cast<double>(variance[c]) + epsilon));
    terms[c] = r;
    terms[channels + c] = r * (scale ? scale[c] : 1.0f);
    terms[2 * channels + c] = offset ? offset[c] : 0.0f;
  }
};

// g = dy * act'(z) at z = offset + (x - mean) * zFactor, as the CPU kernel's gradAt.
ASC_HD float batchNormG(int activation, float xc, float dy, const float* terms, Index channels,
                        Index c) {
  if (static_cast<Activation>(activation) == Activation::Linear) return dy;
  return activationGrad(activation, terms[2 * channels + c] + xc * terms[channels + c], dy);
}

// Part p of the rows, channel c: sum(g) and sum(g * (x - mean)) in double.
struct BatchNormGradPartialProgram {
  const float* x;
  const float* dy;
  const float* mean;
  const float* terms;
  double* partials;
  Index rows, channels, parts;
  int activation;
  ASC_HD void operator()(Index i) const {
    const Index c = i % channels;
    const Index p = i / channels;
    double sg = 0.0;
    double sgx = 0.0;
    for (Index r = partBegin(rows, parts, p), e = partBegin(rows, parts, p + 1); r < e; ++r) {
      const float xc = x[r * channels + c] - mean[c];
      const float g = batchNormG(activation, xc, dy[r * channels + c], terms, channels, c);
      sg += g;
      sgx += static_cast<double>(g) * xc;
    }
    storePartialPair(partials, channels, p, c, sg, sgx);
  }
};

// Per channel: dMean, dVariance, dScale, dOffset, and dx's coefficients (factor, slope,
// shift) into coefficients[3][channels]; batchStatistics folds the moments' share into dx.
struct BatchNormGradFinalProgram {
  const double* partials;
  const float* terms;
  const float* scale;
  const float* dMeanIn;
  const float* dVarianceIn;
  float* dMean;
  float* dVariance;
  float* dScale;
  float* dOffset;
  float* coefficients;
  Index rows, channels, parts;
  bool batchStatistics;
  ASC_HD void operator()(Index c) const {
    double sumG;
    double sumGXc;
    sumPartialPairs(partials, channels, parts, c, sumG, sumGXc);
    const double n = static_cast<double>(rows);
    const double rc = terms[c];
    const double s = scale ? scale[c] : 1.0;
    coefficients[c] = static_cast<float>(rc * s);
    dMean[c] = static_cast<float>(-rc * s * sumG);
    dVariance[c] = static_cast<float>(-0.5 * rc * rc * rc * s * sumGXc);
    dScale[c] = static_cast<float>(rc * sumGXc);
    dOffset[c] = static_cast<float>(sumG);
    float slope = 0.0f;
    float shift = 0.0f;
    if (batchStatistics) {
      const double dm = dMeanIn ? dMeanIn[c] : 0.0;
      const double dv = dVarianceIn ? dVarianceIn[c] : 0.0;
      slope = static_cast<float>((-s * rc * rc * rc * sumGXc + 2.0 * dv) / n);
      shift = static_cast<float>((-s * rc * sumG + dm) / n);
      dMean[c] = 0.0f;
      dVariance[c] = 0.0f;
    }
    coefficients[channels + c] = slope;
    coefficients[2 * channels + c] = shift;
  }
};

struct BatchNormGradApplyProgram {
  const float* x;
  const float* dy;
  const float* mean;
  const float* terms;
  const float* coefficients;
  float* dx;
  Index channels;
  int activation;
  bool batchStatistics;
  ASC_HD void operator()(Index i) const {
    const Index c = i % channels;
    const float xc = x[i] - mean[c];
    const float g = batchNormG(activation, xc, dy[i], terms, channels, c);
    dx[i] = batchStatistics ? g * coefficients[c] + xc * coefficients[channels + c] +
                                  coefficients[2 * channels + c]
                            : g * coefficients[c];
  }
};

// ---- Adam (src/kernels/adam.h) ---------------------------------------------------------

struct AdamProgram {
  const float* w;
  const float* g;
  const float* m;
  const float* v;
  float* wOut;
  float* mOut;
  float* vOut;
  float beta1, beta2, epsilon, weightDecay, stepSize, sqrtC2;
  ASC_HD void operator()(Index i) const {
    const float gi = weightDecay > 0.0f ? g[i] + w[i] * weightDecay : g[i];
    const float mi = m[i] * beta1 + gi * (1.0f - beta1);
    const float vi = v[i] * beta2 + gi * gi * (1.0f - beta2);
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w[i] - mi / (sqrtf(vi) / sqrtC2 + epsilon) * stepSize;
  }
};

// ---- Windows: pooling and depthwise convolution (src/kernels/pool.h, depthwise.h) -----

// Output element i of an NHWC window op as (n, oy, ox, c).
struct Pixel {
  Index n;
  int y, x;
  Index c;
};
ASC_HD Pixel pixelOf(Index i, Index channels, int width, int height) {
  Pixel p;
  p.c = i % channels;
  Index rest = i / channels;
  p.x = static_cast<int>(rest % width);
  rest /= width;
  p.y = static_cast<int>(rest % height);
  p.n = rest / height;
  return p;
}

ASC_HD Index nhwc(const ConvGeometry& g, Index n, int y, int x, Index c, bool input) {
  const int h = input ? g.inHeight : g.outHeight;
  const int w = input ? g.inWidth : g.outWidth;
  const Index ch = input ? g.inChannels : g.outChannels;
  return ((n * h + y) * w + x) * ch + c;
}

struct PoolProgram {
  ConvGeometry g;
  bool max;
  const float* x;
  float* out;
  ASC_HD void operator()(Index i) const {
    const Pixel o = pixelOf(i, g.inChannels, g.outWidth, g.outHeight);
    const WindowSpan w = inBoundsWindow(g, o.y, o.x);
    float acc = max ? -bitsFloat(0x7f800000u) : 0.0f;
    for (int iy = w.y0; iy < w.y1; ++iy) {
      for (int ix = w.x0; ix < w.x1; ++ix) {
        const float v = x[nhwc(g, o.n, iy, ix, o.c, true)];
        acc = max ? (v > acc ? v : acc) : acc + v;
      }
    }
    if (!max) {
      const int count = (w.y1 > w.y0 ? w.y1 - w.y0 : 0) * (w.x1 > w.x0 ? w.x1 - w.x0 : 0);
      acc /= static_cast<float>(count);
    }
    out[i] = acc;
  }
};

// MaxPoolGrad, gathered per input element: dy of every window whose first maximum (in
// row-major window order, as tfjs) is this element, in the CPU kernel's (oy, ox) order.
struct MaxPoolGradProgram {
  ConvGeometry g;
  const float* dy;
  const float* x;
  float* dx;
  ASC_HD void operator()(Index i) const {
    const Pixel p = pixelOf(i, g.inChannels, g.inWidth, g.inHeight);
    float sum = 0.0f;
    // The windows that cover this row and column, in ascending order.
    const int ty = p.y + g.padTop - g.filterHeight + 1;
    const int tx = p.x + g.padLeft - g.filterWidth + 1;
    const int oyLo = ty <= 0 ? 0 : (ty + g.strideHeight - 1) / g.strideHeight;
    const int oxLo = tx <= 0 ? 0 : (tx + g.strideWidth - 1) / g.strideWidth;
    const int oyHi = (p.y + g.padTop) / g.strideHeight < g.outHeight - 1
                         ? (p.y + g.padTop) / g.strideHeight
                         : g.outHeight - 1;
    const int oxHi = (p.x + g.padLeft) / g.strideWidth < g.outWidth - 1
                         ? (p.x + g.padLeft) / g.strideWidth
                         : g.outWidth - 1;
    for (int oy = oyLo; oy <= oyHi; ++oy) {
      for (int ox = oxLo; ox <= oxHi; ++ox) {
        const WindowSpan w = inBoundsWindow(g, oy, ox);
        float best = -bitsFloat(0x7f800000u);
        int at = -1;
        for (int iy = w.y0; iy < w.y1; ++iy) {
          for (int ix = w.x0; ix < w.x1; ++ix) {
            const float v = x[nhwc(g, p.n, iy, ix, p.c, true)];
            if (v > best) {
              best = v;
              at = iy * g.inWidth + ix;
            }
          }
        }
        if (at == p.y * g.inWidth + p.x) sum += dy[nhwc(g, p.n, oy, ox, p.c, false)];
      }
    }
    dx[i] = sum;
  }
};

// Input-gradient element i (NHWC over the input, at pixel p): the sum of
// term(p, oy, ox, ky, kx) over the output pixels (oy, ox) whose windows cover p at tap
// (ky, kx), in forEachCoveringWindow's order.
template <class Term>
ASC_HD float sumOverCoveringWindows(const ConvGeometry& g, Index i, const Term& term) {
  const Pixel p = pixelOf(i, g.inChannels, g.inWidth, g.inHeight);
  float sum = 0.0f;
  forEachCoveringWindow(g, p.y, p.x,
                        [&](int oy, int ox, int ky, int kx) { sum += term(p, oy, ox, ky, kx); });
  return sum;
}

// AvgPoolGrad: the sum of dy over covering windows, divided by the full window size.
struct AvgPoolGradProgram {
  ConvGeometry g;
  const float* dy;
  float* dx;
  ASC_HD void operator()(Index i) const {
    const float sum = sumOverCoveringWindows(g, i, [&](const Pixel& p, int oy, int ox, int, int) {
      return dy[nhwc(g, p.n, oy, ox, p.c, false)];
    });
    dx[i] = sum * (1.0f / static_cast<float>(g.filterHeight * g.filterWidth));
  }
};

struct DepthwiseProgram {
  ConvGeometry g;
  const float* x;
  const float* filter;  // [fh, fw, C, 1]
  float* out;
  ASC_HD void operator()(Index i) const {
    const Pixel o = pixelOf(i, g.inChannels, g.outWidth, g.outHeight);
    float acc = 0.0f;
    forEachInBoundsTap(g, o.y, o.x, [&](int ky, int kx, int iy, int ix) {
      acc += x[nhwc(g, o.n, iy, ix, o.c, true)] *
             filter[(static_cast<Index>(ky) * g.filterWidth + kx) * g.inChannels + o.c];
    });
    out[i] = acc;
  }
};

struct DepthwiseBackpropInputProgram {
  ConvGeometry g;
  const float* dy;
  const float* filter;
  float* dx;
  ASC_HD void operator()(Index i) const {
    dx[i] = sumOverCoveringWindows(g, i, [&](const Pixel& p, int oy, int ox, int ky, int kx) {
      return dy[nhwc(g, p.n, oy, ox, p.c, false)] *
             filter[(static_cast<Index>(ky) * g.filterWidth + kx) * g.inChannels + p.c];
    });
  }
};

// Depthwise filter gradient, part p of the output rows (n, oy), tap t, channel c:
// partials[(p * taps + t) * C + c] (float sums per output row, as the CPU kernel).
struct DepthwiseFilterPartialProgram {
  ConvGeometry g;
  const float* x;
  const float* dy;
  float* partials;
  Index parts;
  ASC_HD void operator()(Index i) const {
    const Index c = i % g.inChannels;
    const Index t = (i / g.inChannels) % (static_cast<Index>(g.filterHeight) * g.filterWidth);
    const Index p = i / (g.inChannels * static_cast<Index>(g.filterHeight) * g.filterWidth);
    const int ky = static_cast<int>(t / g.filterWidth);
    const int kx = static_cast<int>(t % g.filterWidth);
    const Index rows = static_cast<Index>(g.batch) * g.outHeight;
    float acc = 0.0f;
    for (Index r = partBegin(rows, parts, p), e = partBegin(rows, parts, p + 1); r < e; ++r) {
      const Index n = r / g.outHeight;
      const int oy = static_cast<int>(r % g.outHeight);
      const int iy = oy * g.strideHeight - g.padTop + ky;
      if (iy < 0 || iy >= g.inHeight) continue;
      float row = 0.0f;
      for (int ox = 0; ox < g.outWidth; ++ox) {
        const int ix = ox * g.strideWidth - g.padLeft + kx;
        if (ix < 0 || ix >= g.inWidth) continue;
        row += dy[nhwc(g, n, oy, ox, c, false)] * x[nhwc(g, n, iy, ix, c, true)];
      }
      acc += row;
    }
    partials[i] = acc;
  }
};

// Sums `parts` float partials of `size` values each, in part order.
struct PartsSumProgram {
  const float* partials;
  float* out;
  Index size, parts;
  ASC_HD void operator()(Index i) const {
    float s = partials[i];
    for (Index p = 1; p < parts; ++p) s += partials[p * size + i];
    out[i] = s;
  }
};

// ---- Dense convolution through matrix products ----------------------------------------

// im2col of output pixels [first, first + count): cols[row][(ky * fw + kx) * Cin + ci].
struct Im2colProgram {
  ConvGeometry g;
  const float* x;
  float* cols;
  Index first;
  ASC_HD void operator()(Index i) const {
    const Index k = static_cast<Index>(g.filterHeight) * g.filterWidth * g.inChannels;
    const Index row = i / k;
    const Index col = i - row * k;
    const Index ci = col % g.inChannels;
    const int kx = static_cast<int>((col / g.inChannels) % g.filterWidth);
    const int ky = static_cast<int>(col / (static_cast<Index>(g.inChannels) * g.filterWidth));
    const Index pixel = first + row;
    const int ox = static_cast<int>(pixel % g.outWidth);
    const int oy = static_cast<int>((pixel / g.outWidth) % g.outHeight);
    const Index n = pixel / (static_cast<Index>(g.outWidth) * g.outHeight);
    const int iy = oy * g.strideHeight - g.padTop + ky;
    const int ix = ox * g.strideWidth - g.padLeft + kx;
    cols[i] = iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth
                  ? 0.0f
                  : x[nhwc(g, n, iy, ix, ci, true)];
  }
};

// col2im for images [firstImage, ...): dx element (relative to the first image) = the sum
// of the column entries of every output pixel whose window covers it.
struct Col2imProgram {
  ConvGeometry g;
  const float* cols;  // rows = output pixels of these images
  float* dx;          // points at the first image's dx
  ASC_HD void operator()(Index i) const {
    const Index k = static_cast<Index>(g.filterHeight) * g.filterWidth * g.inChannels;
    dx[i] = sumOverCoveringWindows(g, i, [&](const Pixel& p, int oy, int ox, int ky, int kx) {
      const Index row = (p.n * g.outHeight + oy) * g.outWidth + ox;
      return cols[row * k + (static_cast<Index>(ky) * g.filterWidth + kx) * g.inChannels + p.c];
    });
  }
};

// out[i] = act(out[i] + bias[i % n]) (bias may be null, or of length 1).
struct BiasActivationProgram {
  float* out;
  const float* bias;
  Index n, biasLength;
  int activation;
  float alpha;
  ASC_HD void operator()(Index i) const {
    const float b = bias ? bias[biasLength == 1 ? 0 : i % n] : 0.0f;
    out[i] = activate(activation, out[i] + b, alpha);
  }
};

// ---- Matrix products without cuBLAS -----------------------------------------------------

// Row-major batched product C[b] = op(A[b]) op(B[b]) + beta C[b], as 4 x 4 output tiles
// per index (registers only), summed over k in order in float.
struct GemmArgs {
  bool transA = false, transB = false;
  Index m = 0, n = 0, k = 0;
  const float* a = nullptr;
  Index lda = 0, strideA = 0;
  const float* b = nullptr;
  Index ldb = 0, strideB = 0;
  float* c = nullptr;
  Index ldc = 0, strideC = 0;
  Index batch = 1;
  float beta = 0.0f;
};

constexpr int kGemmTile = 4;

ASC_HD Index gemmTiles(const GemmArgs& g) {
  return g.batch * ((g.m + kGemmTile - 1) / kGemmTile) * ((g.n + kGemmTile - 1) / kGemmTile);
}

struct GemmProgram {
  GemmArgs g;
  ASC_HD void operator()(Index t) const {
    const Index tilesN = (g.n + kGemmTile - 1) / kGemmTile;
    const Index tilesM = (g.m + kGemmTile - 1) / kGemmTile;
    const Index tn = t % tilesN;
    const Index tm = (t / tilesN) % tilesM;
    const Index b = t / (tilesN * tilesM);
    const float* a = g.a + b * g.strideA;
    const float* bb = g.b + b * g.strideB;
    float* c = g.c + b * g.strideC;
    float acc[kGemmTile][kGemmTile];
    ASC_UNROLL for (int i = 0; i < kGemmTile; ++i) {
      ASC_UNROLL for (int j = 0; j < kGemmTile; ++j) acc[i][j] = 0.0f;
    }
    const Index i0 = tm * kGemmTile;
    const Index j0 = tn * kGemmTile;
    for (Index kk = 0; kk < g.k; ++kk) {
      float av[kGemmTile];
      float bv[kGemmTile];
      ASC_UNROLL for (int i = 0; i < kGemmTile; ++i) {
        const Index row = i0 + i < g.m ? i0 + i : g.m - 1;
        av[i] = g.transA ? a[kk * g.lda + row] : a[row * g.lda + kk];
      }
      ASC_UNROLL for (int j = 0; j < kGemmTile; ++j) {
        const Index col = j0 + j < g.n ? j0 + j : g.n - 1;
        bv[j] = g.transB ? bb[col * g.ldb + kk] : bb[kk * g.ldb + col];
      }
      ASC_UNROLL for (int i = 0; i < kGemmTile; ++i) {
        ASC_UNROLL for (int j = 0; j < kGemmTile; ++j) acc[i][j] += av[i] * bv[j];
      }
    }
    ASC_UNROLL for (int i = 0; i < kGemmTile; ++i) {
      ASC_UNROLL for (int j = 0; j < kGemmTile; ++j) {
        if (i0 + i < g.m && j0 + j < g.n) {
          float* o = c + (i0 + i) * g.ldc + j0 + j;
          *o = g.beta == 0.0f ? acc[i][j] : acc[i][j] + g.beta * *o;
        }
      }
    }
  }
};

}  // namespace asc::cuda::train
