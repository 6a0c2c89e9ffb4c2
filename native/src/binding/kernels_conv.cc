#include <napi.h>

#include "binding/kernels.h"
#include "kernels/conv.h"
#include "kernels/depthwise.h"
#include "kernels/inverted_residual.h"
#include "kernels/pool.h"

namespace asc::binding {

namespace {

using kernels::ConvGeometry;

std::size_t filterSize(const ConvGeometry& g, bool depthwise) {
  return static_cast<std::size_t>(g.filterHeight) * g.filterWidth * g.inChannels *
         (depthwise ? 1 : g.outChannels);
}

// The optional bias at argument `index`: null, or one value per output channel.
const float* optionalBias(const Napi::CallbackInfo& info, std::size_t index, int channels) {
  std::size_t length = 0;
  const float* bias = optionalFloats(info, index, "bias", &length);
  if (bias && length != static_cast<std::size_t>(channels)) {
    throw Napi::RangeError::New(info.Env(), "bias must have one value per output channel");
  }
  return bias;
}

// conv2d(x, filter, bias | null, out, geometry, activation, leakyAlpha)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 4);
  Floats x = floats(info, 0, "x"), f = floats(info, 1, "filter"), out = floats(info, 3, "out");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), f, filterSize(g, false), "filter");
  expectLength(info.Env(), out, g.outSize(), "out");
  const float* bias = optionalBias(info, 2, g.outChannels);
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

// depthwise(x, filter, bias | null, out, geometry, activation, leakyAlpha)
Napi::Value Depthwise(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometry(info, 4);
  Floats x = floats(info, 0, "x"), f = floats(info, 1, "filter"), out = floats(info, 3, "out");
  expectLength(info.Env(), x, g.inSize(), "x");
  expectLength(info.Env(), f, filterSize(g, true), "filter");
  expectLength(info.Env(), out, g.outSize(), "out");
  const float* bias = optionalBias(info, 2, g.outChannels);
  kernels::depthwiseForward(g, x.Data(), f.Data(), bias, activation(info, 5),
                            static_cast<float>(number(info, 6, "leakyAlpha")), out.Data());
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

// invertedResidual(x, expandFilter | null, expandBias | null, depthwiseFilter,
//   depthwiseBias | null, projectFilter, projectBias | null, out, depthwiseGeometry,
//   inChannels, outChannels, residual, expandActivation, depthwiseActivation,
//   projectActivation, leakyAlpha, averagePool)
Napi::Value InvertedResidual(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  kernels::InvertedResidualShape s;
  s.depthwise = geometry(info, 8);
  const ConvGeometry& g = s.depthwise;
  s.inChannels = static_cast<int>(count(info, 9, "inChannels"));
  s.outChannels = static_cast<int>(count(info, 10, "outChannels"));
  if (!info[11].IsBoolean()) throw Napi::TypeError::New(env, "residual must be a boolean");
  s.residual = info[11].As<Napi::Boolean>().Value();
  const std::size_t averagePool = count(info, 16, "averagePool");
  if (averagePool < 1 || averagePool > 64) {
    throw Napi::RangeError::New(env, "averagePool must be 1..64");
  }
  s.averagePool = static_cast<int>(averagePool);
  if (g.inChannels != g.outChannels) {
    throw Napi::RangeError::New(env, "the depthwise geometry must keep the channel count");
  }
  if (s.residual && (s.inChannels != s.outChannels || g.inHeight != g.outHeight ||
                     g.inWidth != g.outWidth || g.strideHeight != 1 || g.strideWidth != 1)) {
    throw Napi::RangeError::New(env, "a residual block must keep its input's shape");
  }
  const std::size_t ci = s.inChannels, ce = g.inChannels, co = s.outChannels;
  const std::size_t inPixels = static_cast<std::size_t>(g.batch) * g.inHeight * g.inWidth;
  Floats x = floats(info, 0, "x");
  std::size_t expandLength = 0;
  const float* ef = optionalFloats(info, 1, "expandFilter", &expandLength);
  Floats df = floats(info, 3, "depthwiseFilter"), pf = floats(info, 5, "projectFilter");
  Floats out = floats(info, 7, "out");
  expectLength(env, x, inPixels * ci, "x");
  if (ef ? expandLength != ci * ce : ci != ce) {
    throw Napi::RangeError::New(
        env, ef ? "expandFilter must be inChannels x expanded channels"
                : "without an expansion the depthwise channels must be the input's");
  }
  expectLength(env, df, filterSize(g, true), "depthwiseFilter");
  expectLength(env, pf, ce * co, "projectFilter");
  const std::size_t outPixels =
      static_cast<std::size_t>(g.batch) * (g.outHeight / averagePool) * (g.outWidth / averagePool);
  expectLength(env, out, outPixels * co, "out");
  const float leakyAlpha = static_cast<float>(number(info, 15, "leakyAlpha"));
  kernels::invertedResidualForward(
      s, x.Data(), {ef, ef ? optionalBias(info, 2, g.inChannels) : nullptr, activation(info, 12)},
      {df.Data(), optionalBias(info, 4, g.inChannels), activation(info, 13)},
      {pf.Data(), optionalBias(info, 6, s.outChannels), activation(info, 14)}, leakyAlpha,
      out.Data());
  return env.Undefined();
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

}  // namespace

void AddConvKernels(Napi::Env env, Napi::Object kernels) {
  kernels.Set("conv2d", Napi::Function::New(env, Conv2d));
  kernels.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  kernels.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  kernels.Set("depthwise", Napi::Function::New(env, Depthwise));
  kernels.Set("depthwiseBackpropInput", Napi::Function::New(env, DepthwiseBackpropInput));
  kernels.Set("depthwiseBackpropFilter", Napi::Function::New(env, DepthwiseBackpropFilter));
  kernels.Set("invertedResidual", Napi::Function::New(env, InvertedResidual));
  kernels.Set("pool", Napi::Function::New(env, Pool));
  kernels.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  kernels.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
}

}  // namespace asc::binding
