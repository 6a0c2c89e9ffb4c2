#include "kernels/elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "kernels/activation.h"
#include "kernels/parallel.h"

namespace asc::kernels {

namespace {

struct Add {
  float operator()(float a, float b) const { return a + b; }
};
struct Sub {
  float operator()(float a, float b) const { return a - b; }
};
struct Multiply {
  float operator()(float a, float b) const { return a * b; }
};
struct RealDiv {
  float operator()(float a, float b) const { return a / b; }
};
struct SquaredDifference {
  float operator()(float a, float b) const { return (a - b) * (a - b); }
};
struct Maximum {
  float operator()(float a, float b) const { return a > b || std::isnan(a) ? a : b; }
};
struct Minimum {
  float operator()(float a, float b) const { return a < b || std::isnan(a) ? a : b; }
};
struct SquareGrad {
  float operator()(float x, float dy) const { return dy * (x * 2.0f); }
};
// An activation's derivative (activation.h) as a binary op of (x or y, dy).
template <float (*Grad)(float, float)>
struct ActivationGrad {
  float operator()(float x, float dy) const { return Grad(x, dy); }
};
template <class Cmp>
struct DyWhere {
  float param;
  float operator()(float x, float dy) const { return dy * (Cmp{}(x, param) ? 1.0f : 0.0f); }
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
      return binaryPlanned(Add{}, a, b, out, p);
    case BinaryOp::Sub:
      return binaryPlanned(Sub{}, a, b, out, p);
    case BinaryOp::Multiply:
      return binaryPlanned(Multiply{}, a, b, out, p);
    case BinaryOp::RealDiv:
      return binaryPlanned(RealDiv{}, a, b, out, p);
    case BinaryOp::SquaredDifference:
      return binaryPlanned(SquaredDifference{}, a, b, out, p);
    case BinaryOp::Maximum:
      return binaryPlanned(Maximum{}, a, b, out, p);
    case BinaryOp::Minimum:
      return binaryPlanned(Minimum{}, a, b, out, p);
    case BinaryOp::SigmoidGrad:
      return binaryPlanned(ActivationGrad<act::sigmoidGrad>{}, a, b, out, p);
    case BinaryOp::SquareGrad:
      return binaryPlanned(SquareGrad{}, a, b, out, p);
    case BinaryOp::ReluGrad:
      return binaryPlanned(ActivationGrad<act::reluGrad>{}, a, b, out, p);
    case BinaryOp::Relu6Grad:
      return binaryPlanned(ActivationGrad<act::relu6Grad>{}, a, b, out, p);
    case BinaryOp::SwishGrad:
      return binaryPlanned(ActivationGrad<act::swishGrad>{}, a, b, out, p);
    case BinaryOp::DyWhereLE:
      return binaryPlanned(DyWhere<std::less_equal<float>>{param}, a, b, out, p);
    case BinaryOp::DyWhereLT:
      return binaryPlanned(DyWhere<std::less<float>>{param}, a, b, out, p);
    case BinaryOp::DyWhereGE:
      return binaryPlanned(DyWhere<std::greater_equal<float>>{param}, a, b, out, p);
    case BinaryOp::DyWhereGT:
      return binaryPlanned(DyWhere<std::greater<float>>{param}, a, b, out, p);
  }
}

void unary(UnaryOp op, const float* x, float* out, std::size_t n, float alpha) {
  switch (op) {
    case UnaryOp::Sigmoid:
      return unaryLoop([](float v) { return act::sigmoid(v); }, x, out, n);
    case UnaryOp::Square:
      return unaryLoop([](float v) { return v * v; }, x, out, n);
    case UnaryOp::Rsqrt:
      return unaryLoop([](float v) { return 1.0f / std::sqrt(v); }, x, out, n);
    case UnaryOp::Sqrt:
      return unaryLoop([](float v) { return std::sqrt(v); }, x, out, n);
    case UnaryOp::Neg:
      return unaryLoop([](float v) { return -v; }, x, out, n);
    case UnaryOp::Relu:
      return unaryLoop([](float v) { return act::relu(v); }, x, out, n);
    case UnaryOp::Exp:
      return unaryLoop([](float v) { return expApprox(v); }, x, out, n);
    case UnaryOp::Abs:
      return unaryLoop([](float v) { return std::fabs(v); }, x, out, n);
    case UnaryOp::Reciprocal:
      return unaryLoop([](float v) { return 1.0f / v; }, x, out, n);
    case UnaryOp::Relu6:
      return unaryLoop([](float v) { return act::relu6(v); }, x, out, n);
    case UnaryOp::Swish:
      return unaryLoop([](float v) { return act::swish(v); }, x, out, n);
    case UnaryOp::Step:
      return unaryLoop([alpha](float v) { return act::step(v, alpha); }, x, out, n);
  }
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

}  // namespace asc::kernels
