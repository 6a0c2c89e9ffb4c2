// N-API entry points of the feature pipeline. Values are converted to plain C++ structs
// ("batons") on the main thread; the work runs in AsyncWorkers (and, for batches, on an
// asc::ThreadPool inside the worker), so the event loop never blocks.
#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "binding/binding.h"
#include "cuda/features/device_batch.h"
#include "features/batch.h"
#include "features/config.h"
#include "features/fft_benchmark.h"
#include "features/filterbank.h"

namespace asc::binding {

namespace {

using features::ClipOutcome;
using features::ClipStatus;
using features::ScalogramConfig;

int intField(const Napi::Object& o, const char* name) {
  const Napi::Value v = o.Get(name);
  if (!v.IsNumber())
    throw Napi::TypeError::New(o.Env(),
                               std::string("feature config: ") + name + " must be a number");
  return v.As<Napi::Number>().Int32Value();
}

// The decoding options of a feature config (and an options object's allowTruncated), at
// the config's rate.
audio::DecodeOptions decodeOptionsFor(const ScalogramConfig& config, const Napi::Value& jsConfig,
                                      const Napi::Value& options) {
  audio::DecodeOptions o = decodeOptionsFrom(jsConfig, options);
  o.sampleRateHz = config.sampleRateHz;
  return o;
}

Napi::Value MorletFilterbank(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "morletFilterbank(nFft, J, Q) takes three numbers");
  }
  features::MorletBank bank;
  try {
    bank = features::morletFilterbank(info[0].As<Napi::Number>().Int32Value(),
                                      info[1].As<Napi::Number>().Int32Value(),
                                      info[2].As<Napi::Number>().Int32Value());
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  Napi::Object out = Napi::Object::New(env);
  auto xi = Napi::Float64Array::New(env, bank.xi.size());
  std::memcpy(xi.Data(), bank.xi.data(), bank.xi.size() * sizeof(double));
  auto sigma = Napi::Float64Array::New(env, bank.sigma.size());
  std::memcpy(sigma.Data(), bank.sigma.data(), bank.sigma.size() * sizeof(double));
  auto weights = Napi::Float32Array::New(env, bank.weights.size());
  for (std::size_t i = 0; i < bank.weights.size(); ++i)
    weights[i] = static_cast<float>(bank.weights[i]);
  out.Set("xi", xi);
  out.Set("sigma", sigma);
  out.Set("weights", weights);
  out.Set("bands", bank.bands);
  out.Set("bins", bank.bins);
  return out;
}

// computeClip(path, config, { allowTruncated }?) ->
//   Promise<{ segments, count, segmentFrames, bands, frames, channels, source, channelsUsed,
//   truncated }>
class ClipWorker : public PromiseWorker {
 public:
  ClipWorker(Napi::Env env, std::string path, ScalogramConfig config, audio::DecodeOptions decode)
      : PromiseWorker(env), path_(std::move(path)), config_(config), decode_(std::move(decode)) {}

 private:
  void Run() override {
    segments_ = features::computeClipSegments(path_, config_, decode_, &audio_);
  }

  Napi::Value Result(Napi::Env env) override {
    auto values = Napi::Float32Array::New(env, segments_.values.size());
    std::memcpy(values.Data(), segments_.values.data(), segments_.values.size() * sizeof(float));
    Napi::Object out = Napi::Object::New(env);
    out.Set("segments", values);
    out.Set("count", static_cast<double>(segments_.count));
    out.Set("segmentFrames", segments_.segmentFrames);
    out.Set("bands", segments_.bands);
    out.Set("frames", static_cast<double>(segments_.frames));
    out.Set("channels", audio_.channels);
    out.Set("source", sourceToJs(env, audio_.source));
    out.Set("channelsUsed", channelsToJs(env, audio_.channelsUsed));
    out.Set("truncated", audio_.truncated);
    return out;
  }

  std::string path_;
  ScalogramConfig config_;
  audio::DecodeOptions decode_;
  features::Segments segments_;
  audio::DecodedAudio audio_;
};

Napi::Value ComputeClip(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString())
    throw Napi::TypeError::New(env, "computeClip(path, config, options?)");
  const ScalogramConfig config = configFrom(info[1]);
  audio::DecodeOptions decode =
      decodeOptionsFor(config, info[1], info.Length() > 2 ? info[2] : env.Undefined());
  auto* worker = new ClipWorker(env, info[0].As<Napi::String>().Utf8Value(), config,
                                std::move(decode));  // owned by N-API's queue
  worker->Queue();
  return worker->promise();
}

const char* statusName(ClipStatus s) {
  switch (s) {
    case ClipStatus::kExtracted:
      return "extracted";
    case ClipStatus::kReused:
      return "reused";
    case ClipStatus::kFailed:
      return "failed";
    case ClipStatus::kCancelled:
      return "cancelled";
  }
  return "failed";
}

Napi::Object outcomeToJs(Napi::Env env, const ClipOutcome& o) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("index", static_cast<double>(o.index));
  r.Set("status", statusName(o.status));
  r.Set("audioBytes", static_cast<double>(o.audioBytes));
  r.Set("seconds", o.seconds);
  if (o.status == ClipStatus::kExtracted || o.status == ClipStatus::kReused) {
    r.Set("audioHash", o.audioHash);
    r.Set("shardFile", o.shardFile);
    r.Set("checksum", static_cast<double>(o.shard.checksum));
    r.Set("segments", static_cast<double>(o.shard.segments));
    r.Set("frames", static_cast<double>(o.shard.frames));
    r.Set("channels", static_cast<double>(o.shard.channels));
    r.Set("bands", static_cast<double>(o.shard.bands));
    r.Set("shardBytes", static_cast<double>(o.shard.payloadBytes + features::kShardHeaderBytes));
    r.Set("source", sourceToJs(env, o.source));
    r.Set("channelsUsed", channelsToJs(env, o.channelsUsed));
    if (o.truncated) r.Set("truncated", true);
    if (o.repaired) r.Set("repaired", true);
    if (!o.device.empty()) r.Set("device", o.device);
  }
  if (o.status == ClipStatus::kFailed) {
    r.Set("errorCode", o.errorCode);
    r.Set("error", o.error);
  }
  return r;
}

// runBatch(paths, { config, shardDir, dtype, threads, allowTruncated, device?, ... },
//   onOutcome) -> { promise: Promise<DeviceRun | { device: 'cpu' }>, cancel() }
// Outcomes reach onOutcome through a thread-safe function as files finish; the promise
// settles from that function's finaliser, i.e. after the last outcome was delivered.
// With a device (deviceOptionsFrom) the batch runs on the CUDA path; a device that cannot
// be used rejects with the reason's code ('no-driver', 'no-device', ...) before any file.
class BatchWorker : public Napi::AsyncWorker {
 public:
  struct Result {
    std::string error;
    std::string code;
    bool onDevice = false;
    cuda::features::DeviceBatchInfo info;
  };

  BatchWorker(Napi::Env env, std::vector<std::string> paths, features::BatchOptions options,
              std::optional<cuda::features::DeviceBatchOptions> device, Napi::Function onOutcome)
      : Napi::AsyncWorker(env),
        deferred_(std::make_shared<Napi::Promise::Deferred>(Napi::Promise::Deferred::New(env))),
        paths_(std::move(paths)),
        options_(std::move(options)),
        device_(std::move(device)),
        cancel_(std::make_shared<std::atomic<bool>>(false)) {
    auto deferred = deferred_;
    auto result = result_;
    tsfn_ = Napi::ThreadSafeFunction::New(
        env, onOutcome, "ascFeatureBatch", 0, 1, [deferred, result](Napi::Env env) {
          if (!result->error.empty()) {
            deferred->Reject(codedError(env, result->code, result->error).Value());
          } else if (result->onDevice) {
            deferred->Resolve(deviceRunToJs(env, result->info));
          } else {
            Napi::Object run = Napi::Object::New(env);
            run.Set("device", "cpu");
            deferred->Resolve(run);
          }
        });
  }

  Napi::Promise promise() { return deferred_->Promise(); }
  std::shared_ptr<std::atomic<bool>> cancelFlag() { return cancel_; }

  void Execute() override {
    auto onOutcome = [this](ClipOutcome&& o) {
      auto* data = new ClipOutcome(std::move(o));  // freed by the JS-thread callback
      if (tsfn_.NonBlockingCall(data, deliver) != napi_ok) delete data;
    };
    try {
      if (device_) {
        result_->info =
            cuda::features::runDeviceBatch(paths_, options_, *device_, *cancel_, onOutcome);
        result_->onDevice = true;
      } else {
        features::runBatch(paths_, options_, *cancel_, onOutcome);
      }
    } catch (const std::exception& e) {
      result_->error = e.what();
      result_->code = currentErrorCode();
    }
  }

  void OnOK() override { tsfn_.Release(); }
  void OnError(const Napi::Error&) override { tsfn_.Release(); }

 private:
  static void deliver(Napi::Env env, Napi::Function onOutcome, ClipOutcome* data) {
    std::unique_ptr<ClipOutcome> outcome(data);
    if (env == nullptr || onOutcome == nullptr) return;
    try {
      onOutcome.Call({outcomeToJs(env, *outcome)});
    } catch (const Napi::Error&) {
      // An exception escaping a thread-safe function's callback would abort the process;
      // the TS facade catches its own errors, so this only guards against misuse.
    }
  }

  std::shared_ptr<Napi::Promise::Deferred> deferred_;
  std::shared_ptr<Result> result_ = std::make_shared<Result>();
  std::vector<std::string> paths_;
  features::BatchOptions options_;
  std::optional<cuda::features::DeviceBatchOptions> device_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::ThreadSafeFunction tsfn_;
};

Napi::Value RunBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsArray() || !info[1].IsObject() || !info[2].IsFunction()) {
    throw Napi::TypeError::New(env, "runBatch(paths, options, onOutcome)");
  }
  const Napi::Array list = info[0].As<Napi::Array>();
  std::vector<std::string> paths;
  paths.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) paths.push_back(list.Get(i).ToString().Utf8Value());
  const Napi::Object o = info[1].As<Napi::Object>();
  features::BatchOptions options;
  options.config = configFrom(o.Get("config"));
  options.decode = decodeOptionsFor(options.config, o.Get("config"), o);
  options.shardDir = o.Get("shardDir").ToString().Utf8Value();
  const std::string dtype = o.Get("dtype").ToString().Utf8Value();
  if (dtype == "float32")
    options.dtype = features::ShardDtype::kFloat32;
  else if (dtype == "float16")
    options.dtype = features::ShardDtype::kFloat16;
  else
    throw Napi::TypeError::New(env, "dtype must be 'float32' or 'float16', got '" + dtype + "'");
  const Napi::Value threads = o.Get("threads");
  options.threads = threads.IsNumber() ? std::max(1, threads.As<Napi::Number>().Int32Value()) : 1;

  auto* worker = new BatchWorker(env, std::move(paths), std::move(options), deviceOptionsFrom(o),
                                 info[2].As<Napi::Function>());  // owned by N-API's queue
  auto flag = worker->cancelFlag();
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->promise());
  handle.Set("cancel",
             Napi::Function::New(env, [flag](const Napi::CallbackInfo&) { flag->store(true); }));
  worker->Queue();
  return handle;
}

// timeFftOnly(config, samples, channels, clips, threads) -> Promise<seconds>
class FftOnlyWorker : public Napi::AsyncWorker {
 public:
  FftOnlyWorker(Napi::Env env, ScalogramConfig config, std::size_t samples, int channels,
                std::size_t clips, unsigned threads)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        config_(config),
        samples_(samples),
        channels_(channels),
        clips_(clips),
        threads_(threads) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    seconds_ = features::timeFftOnly(config_, samples_, channels_, clips_, threads_);
  }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), seconds_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  ScalogramConfig config_;
  std::size_t samples_;
  int channels_;
  std::size_t clips_;
  unsigned threads_;
  double seconds_ = 0;
};

Napi::Value TimeFftOnly(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5)
    throw Napi::TypeError::New(env, "timeFftOnly(config, samples, channels, clips, threads)");
  for (int i = 1; i < 5; ++i) {
    if (!info[i].IsNumber() || info[i].As<Napi::Number>().DoubleValue() < 1)
      throw Napi::RangeError::New(env, "timeFftOnly: counts must be positive numbers");
  }
  auto* worker = new FftOnlyWorker(
      env, configFrom(info[0]), static_cast<std::size_t>(info[1].As<Napi::Number>().DoubleValue()),
      info[2].As<Napi::Number>().Int32Value(),
      static_cast<std::size_t>(info[3].As<Napi::Number>().DoubleValue()),
      static_cast<unsigned>(info[4].As<Napi::Number>().Int32Value()));  // owned by N-API's queue
  worker->Queue();
  return worker->promise();
}

}  // namespace

features::ScalogramConfig configFrom(const Napi::Value& value) {
  if (!value.IsObject())
    throw Napi::TypeError::New(value.Env(), "feature config must be an object");
  const Napi::Object o = value.As<Napi::Object>();
  ScalogramConfig c;
  c.sampleRateHz = intField(o, "sampleRateHz");
  c.nFft = intField(o, "nFft");
  c.windowSamples = intField(o, "windowSamples");
  c.hopSamples = intField(o, "hopSamples");
  c.J = intField(o, "J");
  c.Q = intField(o, "Q");
  c.segmentFrames = intField(o, "segmentFrames");
  const Napi::Value topDb = o.Get("topDb");
  if (!topDb.IsNumber())
    throw Napi::TypeError::New(o.Env(), "feature config: topDb must be a number");
  c.topDb = topDb.As<Napi::Number>().DoubleValue();
  const std::string window = o.Get("window").ToString().Utf8Value();
  if (window == "hamming")
    c.window = features::WindowKind::kHamming;
  else if (window == "hann")
    c.window = features::WindowKind::kHann;
  else
    throw Napi::TypeError::New(
        o.Env(), "feature config: window must be 'hamming' or 'hann', got '" + window + "'");
  const std::string scale = o.Get("scale").ToString().Utf8Value();
  if (scale == "power-db")
    c.scale = features::ScaleKind::kPowerDb;
  else if (scale == "log-magnitude")
    c.scale = features::ScaleKind::kLogMagnitude;
  else
    throw Napi::TypeError::New(
        o.Env(),
        "feature config: scale must be 'power-db' or 'log-magnitude', got '" + scale + "'");
  try {
    features::validateConfig(c);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(o.Env(), e.what());
  }
  return c;
}

void InitFeatures(Napi::Env env, Napi::Object exports) {
  exports.Set("morletFilterbank", Napi::Function::New(env, MorletFilterbank));
  exports.Set("computeClip", Napi::Function::New(env, ComputeClip));
  exports.Set("runBatch", Napi::Function::New(env, RunBatch));
  exports.Set("timeFftOnly", Napi::Function::New(env, TimeFftOnly));
}

}  // namespace asc::binding
