// N-API entry points of the tfjs backend's device (native/cuda/train): a TrainDevice
// object per backend (GPU or emulated), the device kernel codes. Conversions only: the
// buffers, the pool and the kernels are plain C++.
#include <napi.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "binding/binding.h"
#include "cuda/common/runtime.h"
#include "cuda/train/device.h"
#include "cuda/train/programs.h"

namespace asc::binding {

namespace {

namespace ct = cuda::train;

// Runs `f`, turning the device's C++ errors into JS errors with a `code` the facade types.
template <class F>
auto guarded(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const cuda::CudaUnavailable& e) {
    throw codedError(env, cuda::unusableName(e.code()), e.what());
  } catch (const cuda::CudaError& e) {
    throw codedError(env, "cuda", e.what());
  } catch (const ct::DeviceMemoryError& e) {
    throw codedError(env, "device-out-of-memory", e.what());
  } catch (const ct::KernelArgumentError& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

std::uint32_t bufferId(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "a device buffer id must be a number");
  return v.As<Napi::Number>().Uint32Value();
}

// The bytes of a typed array argument.
std::pair<void*, std::size_t> bytesOf(const Napi::Value& v) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), "expected a typed array");
  const Napi::TypedArray t = v.As<Napi::TypedArray>();
  auto* base = static_cast<unsigned char*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  return {base, t.ByteLength()};
}

class TrainDeviceWrap : public Napi::ObjectWrap<TrainDeviceWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "TrainDevice",
                       {
                           InstanceMethod<&TrainDeviceWrap::Allocate>("allocate"),
                           InstanceMethod<&TrainDeviceWrap::Release>("release"),
                           InstanceMethod<&TrainDeviceWrap::Upload>("upload"),
                           InstanceMethod<&TrainDeviceWrap::Download>("download"),
                           InstanceMethod<&TrainDeviceWrap::Copy>("copy"),
                           InstanceMethod<&TrainDeviceWrap::Run>("run"),
                           InstanceMethod<&TrainDeviceWrap::Synchronize>("synchronize"),
                           InstanceMethod<&TrainDeviceWrap::Mark>("mark"),
                           InstanceMethod<&TrainDeviceWrap::Elapsed>("elapsed"),
                           InstanceMethod<&TrainDeviceWrap::ReleaseMark>("releaseMark"),
                           InstanceMethod<&TrainDeviceWrap::Memory>("memory"),
                           InstanceMethod<&TrainDeviceWrap::Trim>("trim"),
                           InstanceMethod<&TrainDeviceWrap::Describe>("describe"),
                       });
  }

  // new TrainDevice({ device: 'cuda' | 'emulated', cudaDevice, tf32, cublas })
  explicit TrainDeviceWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<TrainDeviceWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
      throw Napi::TypeError::New(env, "new TrainDevice(options)");
    const Napi::Object o = info[0].As<Napi::Object>();
    const std::string kind =
        o.Get("device").IsString() ? o.Get("device").As<Napi::String>().Utf8Value() : "";
    ct::DeviceOptions options;
    if (o.Get("cudaDevice").IsNumber())
      options.device = o.Get("cudaDevice").As<Napi::Number>().Int32Value();
    options.tf32 = o.Get("tf32").ToBoolean().Value();
    options.cublas = o.Get("cublas").IsUndefined() ? true : o.Get("cublas").ToBoolean().Value();
    if (kind != "cuda" && kind != "emulated") {
      throw Napi::TypeError::New(env, "device must be 'cuda' or 'emulated', got '" + kind + "'");
    }
    device_ = guarded(env, [&] {
      return std::make_unique<ct::TrainDevice>(kind == "cuda" ? ct::makeCudaExecutor(options)
                                                              : ct::makeHostExecutor());
    });
  }

 private:
  ct::TrainDevice& device(Napi::Env env) {
    if (!device_) throw Napi::Error::New(env, "the device was released");
    return *device_;
  }

  Napi::Value Allocate(const Napi::CallbackInfo& info) {
    const double bytes = info[0].As<Napi::Number>().DoubleValue();
    if (!(bytes >= 0)) throw Napi::RangeError::New(info.Env(), "allocate: bytes must be >= 0");
    return Napi::Number::New(info.Env(), guarded(info.Env(), [&] {
                               return device(info.Env()).allocate(static_cast<std::size_t>(bytes));
                             }));
  }

  Napi::Value Release(const Napi::CallbackInfo& info) {
    device(info.Env()).release(bufferId(info[0]));
    return info.Env().Undefined();
  }

  Napi::Value Upload(const Napi::CallbackInfo& info) {
    const auto [data, bytes] = bytesOf(info[1]);
    guarded(info.Env(), [&] { device(info.Env()).upload(bufferId(info[0]), data, bytes); });
    return info.Env().Undefined();
  }

  Napi::Value Download(const Napi::CallbackInfo& info) {
    const auto [data, bytes] = bytesOf(info[1]);
    guarded(info.Env(), [&] { device(info.Env()).download(bufferId(info[0]), data, bytes); });
    return info.Env().Undefined();
  }

  Napi::Value Copy(const Napi::CallbackInfo& info) {
    const double bytes = info[2].As<Napi::Number>().DoubleValue();
    guarded(info.Env(), [&] {
      device(info.Env())
          .copy(bufferId(info[0]), bufferId(info[1]), static_cast<std::size_t>(bytes));
    });
    return info.Env().Undefined();
  }

  // run(code, ids: Uint32Array, params: Float64Array)
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsTypedArray() ||
        !info[2].IsTypedArray()) {
      throw Napi::TypeError::New(env, "run(kernel, ids: Uint32Array, params: Float64Array)");
    }
    const int code = info[0].As<Napi::Number>().Int32Value();
    if (code < 0 || code >= static_cast<int>(ct::DeviceKernel::kCount))
      throw Napi::RangeError::New(env, "unknown device kernel");
    const Napi::Uint32Array ids = info[1].As<Napi::Uint32Array>();
    const Napi::Float64Array params = info[2].As<Napi::Float64Array>();
    std::vector<std::uint32_t> idList(ids.Data(), ids.Data() + ids.ElementLength());
    std::vector<double> paramList(params.Data(), params.Data() + params.ElementLength());
    guarded(env, [&] { device(env).run(static_cast<ct::DeviceKernel>(code), idList, paramList); });
    return env.Undefined();
  }

  Napi::Value Synchronize(const Napi::CallbackInfo& info) {
    guarded(info.Env(), [&] { device(info.Env()).synchronize(); });
    return info.Env().Undefined();
  }

  Napi::Value Mark(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(),
                             guarded(info.Env(), [&] { return device(info.Env()).mark(); }));
  }

  Napi::Value Elapsed(const Napi::CallbackInfo& info) {
    const int start = info[0].As<Napi::Number>().Int32Value();
    const int end = info[1].As<Napi::Number>().Int32Value();
    return Napi::Number::New(
        info.Env(), guarded(info.Env(), [&] { return device(info.Env()).elapsed(start, end); }));
  }

  Napi::Value ReleaseMark(const Napi::CallbackInfo& info) {
    device(info.Env()).releaseMark(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  // { inUseBytes, pooledBytes, peakBytes, blocksInUse, freshAllocations, reuses, trims,
  //   buffers, kernelCalls, uploads, uploadBytes, downloads, downloadBytes }
  Napi::Value Memory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ct::TrainDevice& d = device(env);
    const ct::PoolStats& s = d.memory();
    const ct::DeviceCounters& c = d.counters();
    Napi::Object o = Napi::Object::New(env);
    o.Set("inUseBytes", static_cast<double>(s.inUseBytes));
    o.Set("pooledBytes", static_cast<double>(s.pooledBytes));
    o.Set("peakBytes", static_cast<double>(s.peakBytes));
    o.Set("blocksInUse", static_cast<double>(s.blocksInUse));
    o.Set("freshAllocations", static_cast<double>(s.freshAllocations));
    o.Set("reuses", static_cast<double>(s.reuses));
    o.Set("trims", static_cast<double>(s.trims));
    o.Set("buffers", static_cast<double>(d.buffers()));
    o.Set("kernelCalls", static_cast<double>(c.kernelCalls));
    o.Set("uploads", static_cast<double>(c.uploads));
    o.Set("uploadBytes", static_cast<double>(c.uploadBytes));
    o.Set("downloads", static_cast<double>(c.downloads));
    o.Set("downloadBytes", static_cast<double>(c.downloadBytes));
    return o;
  }

  Napi::Value Trim(const Napi::CallbackInfo& info) {
    device(info.Env()).trim();
    return info.Env().Undefined();
  }

  // { kind: 'cuda' | 'emulated', description, gemm }
  Napi::Value Describe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ct::Executor& e = device(env).executor();
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", e.kind());
    o.Set("description", e.description());
    o.Set("gemm", e.gemm());
    return o;
  }

  std::unique_ptr<ct::TrainDevice> device_;
};

}  // namespace

void InitCudaTrain(Napi::Env env, Napi::Object exports) {
  Napi::Object train = Napi::Object::New(env);
  train.Set("TrainDevice", TrainDeviceWrap::Define(env));
  Napi::Object codes = Napi::Object::New(env);
  for (int i = 0; i < static_cast<int>(ct::DeviceKernel::kCount); ++i)
    codes.Set(ct::kDeviceKernelNames[i], i);
  train.Set("kernels", codes);
  Napi::Object unary = Napi::Object::New(env);
  int code = ct::kExtraUnaryBase;
  for (const char* name : ct::kExtraUnaryNames) unary.Set(name, code++);
  train.Set("unary", unary);
  exports.Set("cudaTrain", train);
}

}  // namespace asc::binding
