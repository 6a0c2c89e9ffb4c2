// The binding layer: the only code in the addon that knows N-API.
#pragma once

#include <napi.h>

#include <optional>
#include <string>
#include <vector>

#include "audio/decode.h"
#include "cuda/features/device_batch.h"
#include "features/config.h"

namespace asc::binding {

// Each adds its functions to `exports`.
void InitAudio(Napi::Env env, Napi::Object exports);
void InitFeatures(Napi::Env env, Napi::Object exports);
void InitKernels(Napi::Env env, Napi::Object exports);
void InitCuda(Napi::Env env, Napi::Object exports);
void InitCudaTrain(Napi::Env env, Napi::Object exports);

// An Error with `code` set (an AudioError code, a CUDA reason, or "io"), for the TS facade
// to type.
Napi::Error codedError(Napi::Env env, const std::string& code, const std::string& message);

// Inside a catch block: the code of the exception being handled (an AudioError's code,
// a CudaUnavailable's reason such as "no-device", "cuda" for a CudaError, else "io").
std::string currentErrorCode();

// An AsyncWorker that settles a promise: Run() on a libuv thread, Result() on the JS
// thread; whatever Run() throws rejects it with a coded Error (currentErrorCode()).
// Owned by N-API's queue once queued.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

 private:
  void Execute() final;
  void OnOK() final { deferred_.Resolve(Result(Env())); }
  void OnError(const Napi::Error& e) final {
    deferred_.Reject(codedError(Env(), code_, e.Message()).Value());
  }

  Napi::Promise::Deferred deferred_;
  std::string code_;
};

// The plain-C++ feature config of a JS FeatureConfig object; throws a JS TypeError or
// RangeError naming the bad field (features.cc).
features::ScalogramConfig configFrom(const Napi::Value& value);

// The device of a batch's options object: none for `device` absent or 'cpu'; else
// 'cuda' or 'emulated' with cudaDevice, deviceMemoryBytes and fft ('auto', 'cufft',
// 'builtin'). Throws a JS TypeError naming a bad value (cuda.cc).
std::optional<cuda::features::DeviceBatchOptions> deviceOptionsFrom(const Napi::Object& options);
// What ran, as { device, description, fft, deviceBytes, cpuFallbacks, launches } (cuda.cc).
Napi::Object deviceRunToJs(Napi::Env env, const cuda::features::DeviceBatchInfo& info);

// How to decode, from a feature config's `resampleQuality` and `channels` (1-based, as
// the CLI numbers them) and an options object's `allowTruncated`; either may be
// undefined (the defaults). The rate is left for the caller to set.
audio::DecodeOptions decodeOptionsFrom(const Napi::Value& config, const Napi::Value& options);

// { container, encoding, format, description, sampleRateHz, channels, frames, truncated,
// truncation? }
Napi::Object sourceToJs(Napi::Env env, const audio::SourceFormat& source);

// 0-based channel numbers as a JS array of 1-based ones.
Napi::Array channelsToJs(Napi::Env env, const std::vector<int>& channels);

}  // namespace asc::binding
