// Elementwise kernels over float32 with tfjs's broadcasting rules (binary ops, unary ops,
// tile); loops written to vectorise, split across asc::kernelPool().
#pragma once

#include <cstddef>
#include <vector>

namespace asc::kernels {

using Shape = std::vector<std::size_t>;

// The binary ops, named as tfjs's kernels where they are one. The gradients are one pass
// each, in tfjs's own operation order (activation.h): SigmoidGrad(y, dy), SquareGrad(x,
// dy) = dy * (x * 2), ReluGrad(x, dy), Relu6Grad(x, dy), SwishGrad(x, dy);
// DyWhereLE(x, dy) = dy * (x <= param), likewise LT, GE, GT (Minimum / Maximum gradients
// against a scalar). The binding exports the names with their codes.
#define ASC_BINARY_OPS(X) \
  X(Add)                  \
  X(Sub)                  \
  X(Multiply)             \
  X(RealDiv)              \
  X(SquaredDifference)    \
  X(Maximum)              \
  X(Minimum)              \
  X(SigmoidGrad)          \
  X(SquareGrad)           \
  X(ReluGrad)             \
  X(Relu6Grad)            \
  X(SwishGrad)            \
  X(DyWhereLE)            \
  X(DyWhereLT)            \
  X(DyWhereGE)            \
  X(DyWhereGT)

// The unary ops, named as tfjs's kernels (Swish, x * sigmoid(x), is ours).
#define ASC_UNARY_OPS(X) \
  X(Sigmoid)             \
  X(Square)              \
  X(Rsqrt)               \
  X(Sqrt)                \
  X(Neg)                 \
  X(Relu)                \
  X(Exp)                 \
  X(Abs)                 \
  X(Reciprocal)          \
  X(Step)                \
  X(Relu6)               \
  X(Swish)

#define ASC_OP_ENUMERATOR(id) id,
#define ASC_OP_NAME(id) #id,
enum class BinaryOp { ASC_BINARY_OPS(ASC_OP_ENUMERATOR) };
enum class UnaryOp { ASC_UNARY_OPS(ASC_OP_ENUMERATOR) };
// The ops' names, indexed by their enumerators.
inline constexpr const char* kBinaryOpNames[] = {ASC_BINARY_OPS(ASC_OP_NAME)};
inline constexpr const char* kUnaryOpNames[] = {ASC_UNARY_OPS(ASC_OP_NAME)};
#undef ASC_OP_ENUMERATOR
#undef ASC_OP_NAME

// out (outShape) = a op b, where aShape and bShape broadcast to outShape numpy-style.
void binaryBroadcast(BinaryOp op, const float* a, const Shape& aShape, const float* b,
                     const Shape& bShape, float* out, const Shape& outShape, float param = 0.0f);

// out[i] = f(x[i]); Step is tfjs's step with alpha: x > 0 ? 1 : alpha (NaN stays NaN).
void unary(UnaryOp op, const float* x, float* out, std::size_t n, float alpha = 0.0f);

// out = tile(x, reps), out shape [inShape[d] * reps[d]].
void tile(const float* x, const Shape& inShape, const Shape& reps, float* out);

}  // namespace asc::kernels
