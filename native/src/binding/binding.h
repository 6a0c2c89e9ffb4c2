// The binding layer: the only code in the addon that knows N-API.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "audio/decode.h"

namespace asc::binding {

// Each adds its functions to `exports`.
void InitAudio(Napi::Env env, Napi::Object exports);
void InitFeatures(Napi::Env env, Napi::Object exports);
void InitKernels(Napi::Env env, Napi::Object exports);

// An Error with `code` set (an AudioError code, or "io"), for the TS facade to type.
Napi::Error codedError(Napi::Env env, const std::string& code, const std::string& message);

// An AsyncWorker that settles a promise: Run() on a libuv thread, Result() on the JS
// thread; whatever Run() throws rejects it with a coded Error (an AudioError's code, "io"
// for any other exception). Owned by N-API's queue once queued.
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
