// Registers the addon's exports. Each binding file converts JS values to plain C++
// values at the boundary and schedules heavy work off the event loop.
#include <napi.h>

#include "audio/decode.h"
#include "audio/resample.h"
#include "binding/binding.h"
#include "common/thread_pool.h"
#include "cuda/common/runtime.h"

namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  out.Set("hardwareThreads", Napi::Number::New(env, asc::ThreadPool::hardwareThreads()));
  out.Set("cudaCompiled", Napi::Boolean::New(env, asc::cuda::builtWithCuda()));
  out.Set("compiler", Napi::String::New(env, __VERSION__));
  out.Set("sndfile", Napi::String::New(env, asc::audio::sndfileVersion()));
  out.Set("soxr", Napi::String::New(env, asc::audio::soxrVersion()));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  asc::binding::InitAudio(env, exports);
  asc::binding::InitFeatures(env, exports);
  asc::binding::InitKernels(env, exports);
  asc::binding::InitCuda(env, exports);
  asc::binding::InitCudaTrain(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(asc_native, Init)
