#include <napi.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "binding/kernels.h"
#include "kernels/batch_norm.h"

namespace asc::binding {

namespace {

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

// One of the activations a batch normalisation fuses (and differentiates).
kernels::Activation normActivation(const Napi::CallbackInfo& info, std::size_t i) {
  const kernels::Activation a = activation(info, i);
  const auto& fused = kernels::kBatchNormActivations;
  if (std::find(std::begin(fused), std::end(fused), a) == std::end(fused)) {
    std::string names;
    for (const kernels::Activation f : fused) {
      names += std::string(names.empty() ? "" : ", ") +
               kernels::kActivationNames[static_cast<std::size_t>(f)];
    }
    throw Napi::RangeError::New(info.Env(), "batch norm fuses " + names + " only");
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

}  // namespace

void AddBatchNormKernels(Napi::Env env, Napi::Object kernels) {
  kernels.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  kernels.Set("batchNormTraining", Napi::Function::New(env, BatchNormTraining));
  kernels.Set("batchNormGrad", Napi::Function::New(env, BatchNormGrad));
}

}  // namespace asc::binding
