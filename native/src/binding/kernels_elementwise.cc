#include <napi.h>

#include "binding/kernels.h"
#include "kernels/elementwise.h"
#include "kernels/pad.h"
#include "kernels/reduce.h"

namespace asc::binding {

namespace {

// binary(op, a, aShape, b, bShape, out, outShape[, param])
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const auto op = enumCode<kernels::BinaryOp>(info, 0, "binary op", kernels::kBinaryOpNames);
  Floats a = floats(info, 1, "a"), b = floats(info, 3, "b"), out = floats(info, 5, "out");
  const kernels::Shape aShape = shapeArg(info, 2, "aShape"), bShape = shapeArg(info, 4, "bShape");
  const kernels::Shape outShape = shapeArg(info, 6, "outShape");
  expectLength(info.Env(), a, sizeOf(aShape), "a");
  expectLength(info.Env(), b, sizeOf(bShape), "b");
  expectLength(info.Env(), out, sizeOf(outShape), "out");
  // Every operand dim must equal the output's or be 1 (numpy broadcasting).
  for (const kernels::Shape* s : {&aShape, &bShape}) {
    if (s->size() > outShape.size())
      throw Napi::RangeError::New(info.Env(), "operand rank too high");
    for (std::size_t i = 0; i < s->size(); ++i) {
      const std::size_t d = (*s)[s->size() - 1 - i], o = outShape[outShape.size() - 1 - i];
      if (d != o && d != 1) throw Napi::RangeError::New(info.Env(), "shapes do not broadcast");
    }
  }
  const float param = info.Length() > 7 ? static_cast<float>(number(info, 7, "param")) : 0.0f;
  kernels::binaryBroadcast(op, a.Data(), aShape, b.Data(), bShape, out.Data(), outShape, param);
  return info.Env().Undefined();
}

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const auto op = enumCode<kernels::UnaryOp>(info, 0, "unary op", kernels::kUnaryOpNames);
  Floats x = floats(info, 1, "x"), out = floats(info, 2, "out");
  expectLength(info.Env(), out, x.ElementLength(), "out");
  kernels::unary(op, x.Data(), out.Data(), x.ElementLength(),
                 static_cast<float>(number(info, 3, "alpha")));
  return info.Env().Undefined();
}

// sumReduce(x, outer, reduce, inner, scale, out)
Napi::Value SumReduce(const Napi::CallbackInfo& info) {
  Floats x = floats(info, 0, "x"), out = floats(info, 5, "out");
  const std::size_t outer = count(info, 1, "outer"), reduce = count(info, 2, "reduce"),
                    inner = count(info, 3, "inner");
  expectLength(info.Env(), x, outer * reduce * inner, "x");
  expectLength(info.Env(), out, outer * inner, "out");
  kernels::sumReduce(x.Data(), outer, reduce, inner, number(info, 4, "scale"), out.Data());
  return info.Env().Undefined();
}

// tile(x, inShape, reps, out)
Napi::Value Tile(const Napi::CallbackInfo& info) {
  Floats x = floats(info, 0, "x"), out = floats(info, 3, "out");
  const kernels::Shape inShape = shapeArg(info, 1, "inShape"), reps = shapeArg(info, 2, "reps");
  if (reps.size() != inShape.size()) {
    throw Napi::RangeError::New(info.Env(), "reps must have one entry per dimension");
  }
  expectLength(info.Env(), x, sizeOf(inShape), "x");
  expectLength(info.Env(), out, sizeOf(inShape) * sizeOf(reps), "out");
  kernels::tile(x.Data(), inShape, reps, out.Data());
  return info.Env().Undefined();
}

// pad(x, inShape, before, after, value, out)
Napi::Value Pad(const Napi::CallbackInfo& info) {
  Floats x = floats(info, 0, "x"), out = floats(info, 5, "out");
  const kernels::Shape inShape = shapeArg(info, 1, "inShape");
  const kernels::Shape before = shapeArg(info, 2, "before"), after = shapeArg(info, 3, "after");
  if (before.size() != inShape.size() || after.size() != inShape.size()) {
    throw Napi::RangeError::New(info.Env(), "before and after must have one entry per dimension");
  }
  kernels::Shape outShape(inShape.size());
  for (std::size_t d = 0; d < inShape.size(); ++d) outShape[d] = before[d] + inShape[d] + after[d];
  expectLength(info.Env(), x, sizeOf(inShape), "x");
  expectLength(info.Env(), out, sizeOf(outShape), "out");
  kernels::padConstant(x.Data(), inShape, before, after,
                       static_cast<float>(number(info, 4, "value")), out.Data());
  return info.Env().Undefined();
}

}  // namespace

void AddElementwiseKernels(Napi::Env env, Napi::Object kernels) {
  kernels.Set("binary", Napi::Function::New(env, Binary));
  kernels.Set("unary", Napi::Function::New(env, Unary));
  kernels.Set("sumReduce", Napi::Function::New(env, SumReduce));
  kernels.Set("tile", Napi::Function::New(env, Tile));
  kernels.Set("pad", Napi::Function::New(env, Pad));
}

}  // namespace asc::binding
