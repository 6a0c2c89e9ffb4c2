// N-API surface of the tfjs kernels: synchronous calls (tfjs kernel functions are
// synchronous) that read the backend's Float32Arrays in place and write into an output
// array allocated by the caller. Sizes are checked here, once, against the geometry.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "binding/binding.h"
#include "common/thread_pool.h"
#include "kernels/blas.h"
#include "kernels/conv.h"
#include "kernels/depthwise.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "kernels/pool.h"

namespace asc::binding {

namespace {

using kernels::ConvGeometry;
using Floats = Napi::TypedArrayOf<float>;

Floats floats(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return info[i].As<Floats>();
}

// A Float32Array argument, or nullptr when the argument is null or undefined.
const float* optionalFloats(const Napi::CallbackInfo& info, std::size_t i, const char* name,
                            std::size_t* length) {
  *length = 0;
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  Floats f = floats(info, i, name);
  *length = f.ElementLength();
  return f.Data();
}

void expectLength(const Napi::Env& env, const Floats& f, std::size_t want, const char* name) {
  if (f.ElementLength() != want) {
    throw Napi::RangeError::New(env, std::string(name) + " has " +
                                         std::to_string(f.ElementLength()) +
                                         " values, the shape needs " + std::to_string(want));
  }
}

double number(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

std::size_t count(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  const double v = number(info, i, name);
  if (v < 0 || v != static_cast<double>(static_cast<std::int64_t>(v))) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a whole number >= 0");
  }
  return static_cast<std::size_t>(v);
}

kernels::Shape shapeArg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an array of sizes");
  }
  Napi::Array a = info[i].As<Napi::Array>();
  kernels::Shape s(a.Length());
  for (std::uint32_t k = 0; k < a.Length(); ++k) {
    const Napi::Value v = a.Get(k);
    if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0) {
      throw Napi::TypeError::New(info.Env(), std::string(name) + " must hold sizes >= 0");
    }
    s[k] = static_cast<std::size_t>(v.As<Napi::Number>().Int64Value());
  }
  return s;
}

std::size_t sizeOf(const kernels::Shape& s) {
  std::size_t n = 1;
  for (std::size_t d : s) n *= d;
  return n;
}

// [batch, inH, inW, inC, outH, outW, outC, filterH, filterW, strideH, strideW, padTop, padLeft]
ConvGeometry geometry(const Napi::CallbackInfo& info, std::size_t i) {
  const kernels::Shape v = shapeArg(info, i, "geometry");
  if (v.size() != 13) throw Napi::TypeError::New(info.Env(), "geometry must have 13 entries");
  ConvGeometry g;
  int* fields[] = {&g.batch,       &g.inHeight,    &g.inWidth,      &g.inChannels,  &g.outHeight,
                   &g.outWidth,    &g.outChannels, &g.filterHeight, &g.filterWidth, &g.strideHeight,
                   &g.strideWidth, &g.padTop,      &g.padLeft};
  for (std::size_t k = 0; k < 13; ++k) *fields[k] = static_cast<int>(v[k]);
  if (g.strideHeight < 1 || g.strideWidth < 1 || g.filterHeight < 1 || g.filterWidth < 1) {
    throw Napi::RangeError::New(info.Env(), "geometry: strides and filter sizes must be >= 1");
  }
  return g;
}

kernels::Activation activation(const Napi::CallbackInfo& info, std::size_t i) {
  const double v = number(info, i, "activation");
  if (v < 0 || v > 5) throw Napi::RangeError::New(info.Env(), "unknown activation code");
  return static_cast<kernels::Activation>(static_cast<int>(v));
}

std::size_t filterSize(const ConvGeometry& g, bool depthwise) {
  return static_cast<std::size_t>(g.filterHeight) * g.filterWidth * g.inChannels *
         (depthwise ? 1 : g.outChannels);
}

// conv2d(x, filter, bias | null, out, geometry, activation, leakyAlpha)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 4);
  Floats x = floats(info, 0, "x"), f = floats(info, 1, "filter"), out = floats(info, 3, "out");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), f, filterSize(g, false), "filter");
  expectLength(info.Env(), out, g.outSize(), "out");
  std::size_t biasLength = 0;
  const float* bias = optionalFloats(info, 2, "bias", &biasLength);
  if (bias && biasLength != static_cast<std::size_t>(g.outChannels)) {
    throw Napi::RangeError::New(info.Env(), "bias must have one value per output channel");
  }
  kernels::conv2dForward(g, x.Data(), f.Data(), bias, activation(info, 5),
                         static_cast<float>(number(info, 6, "leakyAlpha")), out.Data());
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, filter, dx, geometry)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 3);
  Floats dy = floats(info, 0, "dy"), f = floats(info, 1, "filter"), dx = floats(info, 2, "dx");
  expectLength(info.Env(), dy, g.outSize(), "dy");
  expectLength(info.Env(), f, filterSize(g, false), "filter");
  expectLength(info.Env(), dx, g.inSize(), "dx");
  kernels::conv2dBackpropInput(g, dy.Data(), f.Data(), dx.Data());
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dFilter, geometry)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 3);
  Floats x = floats(info, 0, "x"), dy = floats(info, 1, "dy"), df = floats(info, 2, "dFilter");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), dy, g.outSize(), "dy");
  expectLength(info.Env(), df, filterSize(g, false), "dFilter");
  kernels::conv2dBackpropFilter(g, x.Data(), dy.Data(), df.Data());
  return info.Env().Undefined();
}

// depthwise(x, filter, out, geometry)
Napi::Value Depthwise(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 3);
  Floats x = floats(info, 0, "x"), f = floats(info, 1, "filter"), out = floats(info, 2, "out");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), f, filterSize(g, true), "filter");
  expectLength(info.Env(), out, g.outSize(), "out");
  kernels::depthwiseForward(g, x.Data(), f.Data(), out.Data());
  return info.Env().Undefined();
}

// depthwiseBackpropInput(dy, filter, dx, geometry)
Napi::Value DepthwiseBackpropInput(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 3);
  Floats dy = floats(info, 0, "dy"), f = floats(info, 1, "filter"), dx = floats(info, 2, "dx");
  expectLength(info.Env(), dy, g.outSize(), "dy");
  expectLength(info.Env(), f, filterSize(g, true), "filter");
  expectLength(info.Env(), dx, g.inSize(), "dx");
  kernels::depthwiseBackpropInput(g, dy.Data(), f.Data(), dx.Data());
  return info.Env().Undefined();
}

// depthwiseBackpropFilter(x, dy, dFilter, geometry)
Napi::Value DepthwiseBackpropFilter(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 3);
  Floats x = floats(info, 0, "x"), dy = floats(info, 1, "dy"), df = floats(info, 2, "dFilter");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), dy, g.outSize(), "dy");
  expectLength(info.Env(), df, filterSize(g, true), "dFilter");
  kernels::depthwiseBackpropFilter(g, x.Data(), dy.Data(), df.Data());
  return info.Env().Undefined();
}

// pool(kind, x, out, geometry); kind 0 = max, 1 = average
Napi::Value Pool(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 3);
  Floats x = floats(info, 1, "x"), out = floats(info, 2, "out");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), out, g.outSize(), "out");
  if (number(info, 0, "kind") == 0) {
    kernels::maxPool(g, x.Data(), out.Data());
  } else {
    kernels::avgPool(g, x.Data(), out.Data());
  }
  return info.Env().Undefined();
}

// maxPoolGrad(dy, x, dx, geometry)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 3);
  Floats dy = floats(info, 0, "dy"), x = floats(info, 1, "x"), dx = floats(info, 2, "dx");
  expectLength(info.Env(), dy, g.outSize(), "dy");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), dx, g.inSize(), "dx");
  kernels::maxPoolGrad(g, dy.Data(), x.Data(), dx.Data());
  return info.Env().Undefined();
}

// avgPoolGrad(dy, dx, geometry)
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 2);
  Floats dy = floats(info, 0, "dy"), dx = floats(info, 1, "dx");
  expectLength(info.Env(), dy, g.outSize(), "dy");
  expectLength(info.Env(), dx, g.inSize(), "dx");
  kernels::avgPoolGrad(g, dy.Data(), dx.Data());
  return info.Env().Undefined();
}

// matMul(a, b, bias | null, out, [batchA, batchB, m, n, k, transposeA, transposeB],
//        activation, leakyAlpha)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const kernels::Shape v = shapeArg(info, 4, "matMulShape");
  if (v.size() != 7) throw Napi::TypeError::New(info.Env(), "matMulShape must have 7 entries");
  kernels::MatMulShape s;
  s.batchA = v[0];
  s.batchB = v[1];
  s.m = v[2];
  s.n = v[3];
  s.k = v[4];
  s.transposeA = v[5] != 0;
  s.transposeB = v[6] != 0;
  if (s.batchA == 0 || s.batchB == 0) {
    throw Napi::RangeError::New(info.Env(), "matMul batch sizes must be >= 1");
  }
  Floats a = floats(info, 0, "a"), b = floats(info, 1, "b"), out = floats(info, 3, "out");
  expectLength(info.Env(), a, s.batchA * s.m * s.k, "a");
  expectLength(info.Env(), b, s.batchB * s.k * s.n, "b");
  expectLength(info.Env(), out, std::max(s.batchA, s.batchB) * s.m * s.n, "out");
  std::size_t biasLength = 0;
  const float* bias = optionalFloats(info, 2, "bias", &biasLength);
  if (bias && biasLength != 1 && biasLength != s.n) {
    throw Napi::RangeError::New(info.Env(), "bias must have 1 or n values");
  }
  kernels::batchMatMul(s, a.Data(), b.Data(), bias, biasLength, activation(info, 5),
                       static_cast<float>(number(info, 6, "leakyAlpha")), out.Data());
  return info.Env().Undefined();
}

// binary(op, a, aShape, b, bShape, out, outShape[, param])
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const double op = number(info, 0, "op");
  if (op < 0 || op > 15) throw Napi::RangeError::New(info.Env(), "unknown binary op");
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
  kernels::binaryBroadcast(static_cast<kernels::BinaryOp>(static_cast<int>(op)), a.Data(), aShape,
                           b.Data(), bShape, out.Data(), outShape, param);
  return info.Env().Undefined();
}

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const double op = number(info, 0, "op");
  if (op < 0 || op > 11) throw Napi::RangeError::New(info.Env(), "unknown unary op");
  Floats x = floats(info, 1, "x"), out = floats(info, 2, "out");
  expectLength(info.Env(), out, x.ElementLength(), "out");
  kernels::unary(static_cast<kernels::UnaryOp>(static_cast<int>(op)), x.Data(), out.Data(),
                 x.ElementLength(), static_cast<float>(number(info, 3, "alpha")));
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

// adamStep(w, g, m, v, wOut, mOut, vOut, beta1, beta2, epsilon, weightDecay, stepSize,
//          sqrtC2)
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Floats w = floats(info, 0, "w"), g = floats(info, 1, "g"), m = floats(info, 2, "m"),
         v = floats(info, 3, "v"), wOut = floats(info, 4, "wOut"), mOut = floats(info, 5, "mOut"),
         vOut = floats(info, 6, "vOut");
  const std::size_t n = w.ElementLength();
  for (const auto& [a, name] : {std::pair{&g, "g"},
                                {&m, "m"},
                                {&v, "v"},
                                {&wOut, "wOut"},
                                {&mOut, "mOut"},
                                {&vOut, "vOut"}}) {
    expectLength(info.Env(), *a, n, name);
  }
  const kernels::AdamParams p{static_cast<float>(number(info, 7, "beta1")),
                              static_cast<float>(number(info, 8, "beta2")),
                              static_cast<float>(number(info, 9, "epsilon")),
                              static_cast<float>(number(info, 10, "weightDecay")),
                              static_cast<float>(number(info, 11, "stepSize")),
                              static_cast<float>(number(info, 12, "sqrtC2"))};
  kernels::adamStep(w.Data(), g.Data(), m.Data(), v.Data(), n, p, wOut.Data(), mOut.Data(),
                    vOut.Data());
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

// The channel count of a batch normalisation over x, checked against x's length.
std::size_t normChannels(const Napi::CallbackInfo& info, const Floats& x, std::size_t i) {
  const std::size_t channels = count(info, i, "channels");
  if (channels == 0 || x.ElementLength() % channels != 0) {
    throw Napi::RangeError::New(info.Env(), "x must hold whole rows of `channels` values");
  }
  return channels;
}

// An optional per-channel array (exactly `channels` values), or nullptr.
const float* optionalPerChannel(const Napi::CallbackInfo& info, std::size_t i, const char* name,
                                std::size_t channels) {
  std::size_t length = 0;
  const float* v = optionalFloats(info, i, name, &length);
  if (v && length != channels) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " needs `channels` values");
  }
  return v;
}

// The activations a batch normalisation fuses (and differentiates).
kernels::Activation normActivation(const Napi::CallbackInfo& info, std::size_t i) {
  const kernels::Activation a = activation(info, i);
  if (a != kernels::Activation::Linear && a != kernels::Activation::Relu &&
      a != kernels::Activation::Relu6 && a != kernels::Activation::Swish) {
    throw Napi::RangeError::New(info.Env(), "batch norm fuses linear, relu, relu6 or swish only");
  }
  return a;
}

// batchNorm(x, channels, mean, variance, offset | null, scale | null, epsilon, out,
//           activation)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Floats x = floats(info, 0, "x"), out = floats(info, 7, "out");
  const std::size_t channels = normChannels(info, x, 1);
  expectLength(info.Env(), out, x.ElementLength(), "out");
  kernels::BatchNormParams p{};
  p.mean = optionalFloats(info, 2, "mean", &p.meanLength);
  p.variance = optionalFloats(info, 3, "variance", &p.varianceLength);
  p.offset = optionalFloats(info, 4, "offset", &p.offsetLength);
  p.scale = optionalFloats(info, 5, "scale", &p.scaleLength);
  p.epsilon = static_cast<float>(number(info, 6, "epsilon"));
  p.activation = normActivation(info, 8);
  for (std::size_t len : {p.meanLength, p.varianceLength}) {
    if (len != 1 && len != channels) {
      throw Napi::RangeError::New(info.Env(), "mean and variance need 1 or `channels` values");
    }
  }
  for (std::size_t len : {p.offsetLength, p.scaleLength}) {
    if (len > 1 && len != channels) {
      throw Napi::RangeError::New(info.Env(), "offset and scale need 1 or `channels` values");
    }
  }
  kernels::batchNorm(x.Data(), x.ElementLength() / channels, channels, p, out.Data());
  return info.Env().Undefined();
}

// batchNormTraining(x, channels, offset | null, scale | null, epsilon, activation, out,
//                   mean, variance)
Napi::Value BatchNormTraining(const Napi::CallbackInfo& info) {
  Floats x = floats(info, 0, "x"), out = floats(info, 6, "out");
  const std::size_t channels = normChannels(info, x, 1);
  expectLength(info.Env(), out, x.ElementLength(), "out");
  kernels::BatchNormParams p{};
  p.offset = optionalPerChannel(info, 2, "offset", channels);
  p.offsetLength = channels;
  p.scale = optionalPerChannel(info, 3, "scale", channels);
  p.scaleLength = channels;
  p.epsilon = static_cast<float>(number(info, 4, "epsilon"));
  p.activation = normActivation(info, 5);
  Floats mean = floats(info, 7, "mean"), variance = floats(info, 8, "variance");
  expectLength(info.Env(), mean, channels, "mean");
  expectLength(info.Env(), variance, channels, "variance");
  kernels::batchNormTraining(x.Data(), x.ElementLength() / channels, channels, p, out.Data(),
                             mean.Data(), variance.Data());
  return info.Env().Undefined();
}

// batchNormGrad(x, dy, channels, mean, variance, scale | null, offset | null, epsilon,
//               activation, batchStatistics, dMeanIn | null, dVarianceIn | null,
//               dx, dMean, dVariance, dScale, dOffset)
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  Floats x = floats(info, 0, "x"), dy = floats(info, 1, "dy");
  const std::size_t channels = normChannels(info, x, 2);
  expectLength(info.Env(), dy, x.ElementLength(), "dy");
  Floats mean = floats(info, 3, "mean"), variance = floats(info, 4, "variance");
  expectLength(info.Env(), mean, channels, "mean");
  expectLength(info.Env(), variance, channels, "variance");
  kernels::BatchNormGradParams p{};
  p.mean = mean.Data();
  p.variance = variance.Data();
  p.scale = optionalPerChannel(info, 5, "scale", channels);
  p.offset = optionalPerChannel(info, 6, "offset", channels);
  p.epsilon = static_cast<float>(number(info, 7, "epsilon"));
  p.activation = normActivation(info, 8);
  p.batchStatistics = info.Length() > 9 && info[9].ToBoolean().Value();
  p.dMeanIn = optionalPerChannel(info, 10, "dMeanIn", channels);
  p.dVarianceIn = optionalPerChannel(info, 11, "dVarianceIn", channels);
  Floats dx = floats(info, 12, "dx");
  expectLength(info.Env(), dx, x.ElementLength(), "dx");
  Floats perChannel[4] = {floats(info, 13, "dMean"), floats(info, 14, "dVariance"),
                          floats(info, 15, "dScale"), floats(info, 16, "dOffset")};
  for (Floats& f : perChannel) expectLength(info.Env(), f, channels, "per-channel gradient");
  kernels::batchNormGrad(x.Data(), dy.Data(), x.ElementLength() / channels, channels, p,
                         {dx.Data(), perChannel[0].Data(), perChannel[1].Data(),
                          perChannel[2].Data(), perChannel[3].Data()});
  return info.Env().Undefined();
}

Napi::Value SetKernelThreads(const Napi::CallbackInfo& info) {
  const std::size_t n = count(info, 0, "threads");
  if (n < 1 || n > 1024) throw Napi::RangeError::New(info.Env(), "threads must be 1..1024");
  asc::setKernelThreads(static_cast<unsigned>(n));
  return info.Env().Undefined();
}

// The kernel set OpenBLAS chose when it loaded (e.g. "SkylakeX", "Haswell", "Prescott").
Napi::Value BlasCore(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kernels::blasCoreName());
}

Napi::Value KernelThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), asc::kernelThreads());
}

}  // namespace

void InitKernels(Napi::Env env, Napi::Object exports) {
  // Without OpenBLAS the kernels are absent and the reason is exported instead; the
  // rest of the addon (features) still loads.
  const std::string blasError = kernels::loadBlas();
  if (!blasError.empty()) {
    exports.Set("kernelsUnavailable", Napi::String::New(env, blasError));
    return;
  }
  Napi::Object k = Napi::Object::New(env);
  k.Set("conv2d", Napi::Function::New(env, Conv2d));
  k.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  k.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  k.Set("depthwise", Napi::Function::New(env, Depthwise));
  k.Set("depthwiseBackpropInput", Napi::Function::New(env, DepthwiseBackpropInput));
  k.Set("depthwiseBackpropFilter", Napi::Function::New(env, DepthwiseBackpropFilter));
  k.Set("pool", Napi::Function::New(env, Pool));
  k.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  k.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
  k.Set("matMul", Napi::Function::New(env, MatMul));
  k.Set("binary", Napi::Function::New(env, Binary));
  k.Set("unary", Napi::Function::New(env, Unary));
  k.Set("sumReduce", Napi::Function::New(env, SumReduce));
  k.Set("tile", Napi::Function::New(env, Tile));
  k.Set("adamStep", Napi::Function::New(env, AdamStep));
  k.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  k.Set("batchNormTraining", Napi::Function::New(env, BatchNormTraining));
  k.Set("batchNormGrad", Napi::Function::New(env, BatchNormGrad));
  k.Set("setThreads", Napi::Function::New(env, SetKernelThreads));
  k.Set("threads", Napi::Function::New(env, KernelThreads));
  k.Set("blasCore", Napi::Function::New(env, BlasCore));
  exports.Set("kernels", k);
}

}  // namespace asc::binding
