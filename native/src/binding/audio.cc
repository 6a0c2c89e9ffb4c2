// N-API entry points of audio decoding: probeAudio (the header) and decodeAudio (the
// samples), each on a libuv worker thread.
#include <cstring>
#include <string>
#include <vector>

#include "audio/decode.h"
#include "binding/binding.h"
#include "cuda/common/runtime.h"

namespace asc::binding {

Napi::Error codedError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

audio::DecodeOptions decodeOptionsFrom(const Napi::Value& config, const Napi::Value& options) {
  audio::DecodeOptions o;
  if (config.IsObject()) {
    const Napi::Object c = config.As<Napi::Object>();
    const Napi::Value quality = c.Get("resampleQuality");
    if (!quality.IsUndefined()) {
      try {
        o.quality = audio::resampleQualityFromName(quality.ToString().Utf8Value());
      } catch (const std::invalid_argument& e) {
        throw Napi::RangeError::New(config.Env(), std::string("feature config: ") + e.what());
      }
    }
    const Napi::Value channels = c.Get("channels");
    if (!channels.IsUndefined()) {
      if (!channels.IsArray())
        throw Napi::TypeError::New(config.Env(), "feature config: channels must be an array");
      const Napi::Array list = channels.As<Napi::Array>();
      if (list.Length() < 1 || list.Length() > 2)
        throw Napi::RangeError::New(config.Env(),
                                    "feature config: channels must name one or two channels");
      o.channels.clear();
      for (uint32_t i = 0; i < list.Length(); ++i) {
        const Napi::Value v = list.Get(i);
        if (!v.IsNumber() || v.As<Napi::Number>().Int32Value() < 1)
          throw Napi::RangeError::New(config.Env(), "feature config: channels are numbered from 1");
        o.channels.push_back(v.As<Napi::Number>().Int32Value() - 1);
      }
    }
  }
  if (options.IsObject())
    o.allowTruncated = options.As<Napi::Object>().Get("allowTruncated").ToBoolean().Value();
  return o;
}

Napi::Object sourceToJs(Napi::Env env, const audio::SourceFormat& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("container", s.container);
  o.Set("encoding", s.encoding);
  o.Set("format", s.format());
  o.Set("description", s.description);
  o.Set("sampleRateHz", s.sampleRateHz);
  o.Set("channels", s.channels);
  o.Set("frames", static_cast<double>(s.frames));
  o.Set("truncated", s.truncated);
  if (s.truncated) o.Set("truncation", s.truncation);
  return o;
}

std::string currentErrorCode() {
  try {
    throw;
  } catch (const audio::AudioError& e) {
    return audio::audioErrorCodeName(e.code());
  } catch (const cuda::CudaUnavailable& e) {
    return cuda::unusableName(e.code());
  } catch (const cuda::CudaError&) {
    return "cuda";
  } catch (...) {
    return "io";
  }
}

void PromiseWorker::Execute() {
  try {
    Run();
  } catch (const std::exception& e) {
    code_ = currentErrorCode();
    SetError(e.what());
  }
}

Napi::Array channelsToJs(Napi::Env env, const std::vector<int>& channels) {
  Napi::Array a = Napi::Array::New(env, channels.size());
  for (std::size_t i = 0; i < channels.size(); ++i)
    a.Set(static_cast<uint32_t>(i), channels[i] + 1);
  return a;
}

namespace {

// probeAudio(path) -> Promise<source>
class ProbeWorker : public PromiseWorker {
 public:
  ProbeWorker(Napi::Env env, std::string path) : PromiseWorker(env), path_(std::move(path)) {}

 private:
  void Run() override { source_ = audio::probeAudioFile(path_); }
  Napi::Value Result(Napi::Env env) override { return sourceToJs(env, source_); }

  std::string path_;
  audio::SourceFormat source_;
};

Napi::Value ProbeAudio(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "probeAudio(path)");
  auto* worker =
      new ProbeWorker(env, info[0].As<Napi::String>().Utf8Value());  // owned by N-API's queue
  worker->Queue();
  return worker->promise();
}

// decodeAudio(path, { sampleRateHz?, resampleQuality?, channels?, allowTruncated? })
//   -> Promise<{ sampleRateHz, channels, frames, samples: Float32Array[], source, channelsUsed,
//   truncated }>
// The decoder on its own, for tests and diagnostics; sampleRateHz 0 or absent keeps the
// file's rate.
class DecodeWorker : public PromiseWorker {
 public:
  DecodeWorker(Napi::Env env, std::string path, audio::DecodeOptions options)
      : PromiseWorker(env), path_(std::move(path)), options_(std::move(options)) {}

 private:
  void Run() override { audio_ = audio::decodeAudioFile(path_, options_); }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("sampleRateHz", audio_.sampleRateHz);
    out.Set("channels", audio_.channels);
    out.Set("frames", static_cast<double>(audio_.frames));
    Napi::Array planes = Napi::Array::New(env, audio_.samples.size());
    for (std::size_t c = 0; c < audio_.samples.size(); ++c) {
      auto a = Napi::Float32Array::New(env, audio_.frames);
      std::memcpy(a.Data(), audio_.samples[c].data(), audio_.frames * sizeof(float));
      planes.Set(static_cast<uint32_t>(c), a);
    }
    out.Set("samples", planes);
    out.Set("source", sourceToJs(env, audio_.source));
    out.Set("channelsUsed", channelsToJs(env, audio_.channelsUsed));
    out.Set("truncated", audio_.truncated);
    return out;
  }

  std::string path_;
  audio::DecodeOptions options_;
  audio::DecodedAudio audio_;
};

Napi::Value DecodeAudio(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString())
    throw Napi::TypeError::New(env, "decodeAudio(path, options?)");
  const Napi::Value options = info.Length() > 1 ? info[1] : env.Undefined();
  audio::DecodeOptions o = decodeOptionsFrom(options, options);
  o.sampleRateHz = 0;
  if (options.IsObject()) {
    const Napi::Value rate = options.As<Napi::Object>().Get("sampleRateHz");
    if (rate.IsNumber()) o.sampleRateHz = rate.As<Napi::Number>().Int32Value();
    if (o.sampleRateHz < 0 || o.sampleRateHz > 1000000)
      throw Napi::RangeError::New(env, "decodeAudio: sampleRateHz must be in 0..1000000");
  }
  auto* worker = new DecodeWorker(env, info[0].As<Napi::String>().Utf8Value(),
                                  std::move(o));  // owned by N-API's queue
  worker->Queue();
  return worker->promise();
}

}  // namespace

void InitAudio(Napi::Env env, Napi::Object exports) {
  exports.Set("probeAudio", Napi::Function::New(env, ProbeAudio));
  exports.Set("decodeAudio", Napi::Function::New(env, DecodeAudio));
}

}  // namespace asc::binding
