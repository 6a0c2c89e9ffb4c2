// N-API entry points of the CUDA runtime and the CUDA feature path (native/cuda): device
// status, compute-only timing, the batch's device options, and the host emulation of the
// device arithmetic for tests.
#include <cstring>
#include <string>
#include <vector>

#include "binding/binding.h"
#include "cuda/common/runtime.h"
#include "cuda/features/device_batch.h"
#include "cuda/features/executor.h"
#include "features/scalogram.h"

namespace asc::binding {

namespace {

namespace cf = cuda::features;

std::string stringField(const Napi::Object& o, const char* name, const std::string& fallback) {
  const Napi::Value v = o.Get(name);
  return v.IsUndefined() ? fallback : v.ToString().Utf8Value();
}

double numberField(const Napi::Object& o, const char* name, double fallback) {
  const Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

cf::FftChoice fftFrom(const Napi::Object& o) {
  const std::string fft = stringField(o, "fft", "auto");
  if (fft == "auto") return cf::FftChoice::kAuto;
  if (fft == "cufft") return cf::FftChoice::kCufft;
  if (fft == "builtin") return cf::FftChoice::kBuiltin;
  throw Napi::TypeError::New(o.Env(),
                             "fft must be 'auto', 'cufft' or 'builtin', got '" + fft + "'");
}

// cudaInfo() -> { built, nvcc, architectures, runtime, driver, driverRelease, devices,
//                 usable, code, reason, cufft }
Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cuda::RuntimeStatus s = cuda::runtimeStatus();
  Napi::Object out = Napi::Object::New(env);
  out.Set("built", s.built);
  out.Set("nvcc", s.nvccVersion);
  Napi::Array archs = Napi::Array::New(env, s.architectures.size());
  for (std::size_t i = 0; i < s.architectures.size(); ++i)
    archs.Set(static_cast<uint32_t>(i), s.architectures[i]);
  out.Set("architectures", archs);
  out.Set("runtime", s.runtimeVersion ? cuda::cudaVersionString(s.runtimeVersion) : "");
  out.Set("driver", s.driverVersion ? cuda::cudaVersionString(s.driverVersion) : "");
  out.Set("driverRelease", s.driverRelease);
  Napi::Array devices = Napi::Array::New(env, s.devices.size());
  for (std::size_t i = 0; i < s.devices.size(); ++i) {
    const cuda::DeviceInfo& d = s.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", d.index);
    o.Set("name", d.name);
    o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
    o.Set("memoryBytes", static_cast<double>(d.memoryBytes));
    o.Set("multiprocessors", d.multiprocessors);
    o.Set("pciBusId", d.pciBusId);
    o.Set("driver", s.driverRelease.empty() ? "CUDA " + cuda::cudaVersionString(s.driverVersion)
                                            : s.driverRelease);
    devices.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("devices", devices);
  out.Set("usable", s.usable());
  out.Set("code", cuda::unusableName(s.code));
  out.Set("reason", s.reason);
  const cuda::LibraryStatus fft = cuda::cufftStatus();
  Napi::Object cufft = Napi::Object::New(env);
  cufft.Set("found", fft.found);
  if (fft.found) {
    cufft.Set("path", fft.path);
    cufft.Set("version", fft.version);
  } else {
    cufft.Set("error", fft.error);
  }
  out.Set("cufft", cufft);
  return out;
}

// cudaComputeTime(config, { samples, channels, clips, fft, deviceMemoryBytes, cudaDevice,
// dtype }) -> Promise<{ secondsPerClip, description, fft }>
class ComputeTimeWorker : public PromiseWorker {
 public:
  ComputeTimeWorker(Napi::Env env, cf::ExecutorSetup setup, std::size_t samples, int channels,
                    std::size_t clips)
      : PromiseWorker(env),
        setup_(std::move(setup)),
        samples_(samples),
        channels_(channels),
        clips_(clips) {}

 private:
  void Run() override { timing_ = cf::timeCudaCompute(setup_, samples_, channels_, clips_); }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("secondsPerClip", timing_.secondsPerClip);
    out.Set("description", timing_.description);
    out.Set("fft", cf::fftKindName(timing_.fft));
    return out;
  }

  cf::ExecutorSetup setup_;
  std::size_t samples_;
  int channels_;
  std::size_t clips_;
  cf::ComputeTiming timing_;
};

Napi::Value CudaComputeTime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsObject())
    throw Napi::TypeError::New(env, "cudaComputeTime(config, options)");
  const features::ScalogramConfig config = configFrom(info[0]);
  const Napi::Object o = info[1].As<Napi::Object>();
  cf::DeviceBatchOptions device;
  device.device = static_cast<int>(numberField(o, "cudaDevice", 0));
  device.memoryBytes =
      static_cast<std::uint64_t>(numberField(o, "deviceMemoryBytes", 2.0 * (1 << 30)));
  device.fft = fftFrom(o);
  const std::string dtype = stringField(o, "dtype", "float32");
  const auto samples =
      static_cast<std::size_t>(numberField(o, "samples", 10.0 * config.sampleRateHz));
  const int channels = static_cast<int>(numberField(o, "channels", 2));
  const auto clips = static_cast<std::size_t>(numberField(o, "clips", 1000));
  if (samples < 1 || channels < 1 || channels > 2 || clips < 1) {
    throw Napi::RangeError::New(
        env, "cudaComputeTime: samples and clips must be positive, channels 1 or 2");
  }
  cf::ExecutorSetup setup;
  setup.config = config;
  setup.bank = features::sharedSparseBank(config.nFft, config.J, config.Q);
  setup.dtype =
      dtype == "float16" ? features::ShardDtype::kFloat16 : features::ShardDtype::kFloat32;
  setup.device = device.device;
  setup.memoryBytes = device.memoryBytes;
  setup.fft = device.fft;
  auto* worker = new ComputeTimeWorker(env, std::move(setup), samples, channels,
                                       clips);  // owned by N-API's queue
  worker->Queue();
  return worker->promise();
}

// emulatedFrameSpectrum(samples: Float32Array, frame, config, fft: 'builtin' | 'cufft')
//   -> Float32Array of nFft / 2 + 1 values
Napi::Value EmulatedFrameSpectrum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[3].IsString()) {
    throw Napi::TypeError::New(env, "emulatedFrameSpectrum(samples, frame, config, fft)");
  }
  const Napi::Float32Array input = info[0].As<Napi::Float32Array>();
  if (input.ElementLength() == 0)
    throw Napi::RangeError::New(env, "emulatedFrameSpectrum: no samples");
  const std::vector<float> samples(input.Data(), input.Data() + input.ElementLength());
  const std::string fft = info[3].As<Napi::String>().Utf8Value();
  if (fft != "builtin" && fft != "cufft")
    throw Napi::TypeError::New(env, "fft must be 'builtin' or 'cufft'");
  std::vector<float> spectrum;
  try {
    spectrum = cf::emulatedFrameSpectrum(
        samples, info[1].As<Napi::Number>().Int32Value(), configFrom(info[2]),
        fft == "cufft" ? cf::FftKind::kCufft : cf::FftKind::kBuiltin);
  } catch (const std::out_of_range& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw codedError(env, currentErrorCode(), e.what());
  }
  Napi::Float32Array out = Napi::Float32Array::New(env, spectrum.size());
  std::memcpy(out.Data(), spectrum.data(), spectrum.size() * sizeof(float));
  return out;
}

}  // namespace

std::optional<cf::DeviceBatchOptions> deviceOptionsFrom(const Napi::Object& o) {
  const std::string device = stringField(o, "device", "cpu");
  if (device == "cpu") return std::nullopt;
  cf::DeviceBatchOptions options;
  if (device == "cuda") {
    options.executor = cf::ExecutorKind::kCuda;
  } else if (device == "emulated") {
    options.executor = cf::ExecutorKind::kEmulated;
  } else {
    throw Napi::TypeError::New(o.Env(),
                               "device must be 'cpu', 'cuda' or 'emulated', got '" + device + "'");
  }
  options.device = static_cast<int>(numberField(o, "cudaDevice", 0));
  options.memoryBytes = static_cast<std::uint64_t>(
      numberField(o, "deviceMemoryBytes", static_cast<double>(options.memoryBytes)));
  options.fft = fftFrom(o);
  return options;
}

Napi::Object deviceRunToJs(Napi::Env env, const cf::DeviceBatchInfo& info) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("device", info.device);
  out.Set("description", info.description);
  out.Set("fft", info.fft);
  out.Set("deviceBytes", static_cast<double>(info.deviceBytes));
  out.Set("cpuFallbacks", static_cast<double>(info.cpuFallbacks));
  out.Set("launches", static_cast<double>(info.launches));
  return out;
}

void InitCuda(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo));
  exports.Set("cudaComputeTime", Napi::Function::New(env, CudaComputeTime));
  exports.Set("emulatedFrameSpectrum", Napi::Function::New(env, EmulatedFrameSpectrum));
}

}  // namespace asc::binding
