#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/kernels.h"

namespace asc::binding {

Floats floats(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return info[i].As<Floats>();
}

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

kernels::ConvGeometry geometry(const Napi::CallbackInfo& info, std::size_t i) {
  const kernels::Shape v = shapeArg(info, i, "geometry");
  if (v.size() != 13) throw Napi::TypeError::New(info.Env(), "geometry must have 13 entries");
  kernels::ConvGeometry g;
  int* fields[] = {&g.batch,       &g.inHeight,    &g.inWidth,      &g.inChannels,  &g.outHeight,
                   &g.outWidth,    &g.outChannels, &g.filterHeight, &g.filterWidth, &g.strideHeight,
                   &g.strideWidth, &g.padTop,      &g.padLeft};
  for (std::size_t k = 0; k < 13; ++k) *fields[k] = static_cast<int>(v[k]);
  if (g.strideHeight < 1 || g.strideWidth < 1 || g.filterHeight < 1 || g.filterWidth < 1) {
    throw Napi::RangeError::New(info.Env(), "geometry: strides and filter sizes must be >= 1");
  }
  return g;
}

}  // namespace asc::binding
