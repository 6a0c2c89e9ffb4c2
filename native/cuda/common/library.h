// Loading NVIDIA's shared libraries at run time (cuFFT, cuBLAS, NVML) without their
// headers or import libraries: the build machines have none, and the addon must load on
// machines that lack them. Plain C++ (dlopen), usable with or without CUDA.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace asc::cuda {

class SharedLibrary {
 public:
  SharedLibrary() = default;
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  SharedLibrary(SharedLibrary&& other) noexcept;
  SharedLibrary& operator=(SharedLibrary&& other) noexcept;
  ~SharedLibrary();

  // Opens the first library found, trying in order:
  //   1. the path in environment variable `envVar` (a file, or a directory searched for
  //      `names`), when set: nothing else is tried then, so a wrong path is reported;
  //   2. each of `names` through the dynamic linker (LD_LIBRARY_PATH, ld.so.cache);
  //   3. each of `names` in each of `directories`.
  // On failure ok() is false and error() lists every attempt with dlerror's answer.
  static SharedLibrary open(const std::vector<std::string>& names, const char* envVar,
                            const std::vector<std::string>& directories = {});

  bool ok() const { return handle_ != nullptr; }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

  // The address of `name`, or nullptr (then error() says which symbol is missing).
  void* symbol(const char* name);

  // Binds a function pointer; false (and error() set) when the symbol is missing.
  template <typename Fn>
  bool bind(Fn*& fn, const char* name) {
    fn = reinterpret_cast<Fn*>(symbol(name));
    return fn != nullptr;
  }

 private:
  void* handle_ = nullptr;
  std::string path_;
  std::string error_;
};

// SharedLibrary::open for one of NVIDIA's libraries (cuFFT, cuBLAS): `names` from
// `envVar`, the dynamic linker's path, then the CUDA toolkit's directories
// (/usr/local/cuda).
SharedLibrary openNvidiaLibrary(const std::vector<std::string>& names, const char* envVar);

// The process-wide wrapper T of a library loaded at run time: `load` runs on the first
// call only (thread-safe) and returns the wrapper, or nullptr with its argument set to
// why not; every call answers the same. `error` (if given) then gets that reason.
template <class T, class Load>
const T* loadOnce(std::string* error, Load&& load) {
  struct Once {
    std::unique_ptr<T> lib;
    std::string error;
  };
  static const Once once = [&] {
    Once o;
    o.lib = load(o.error);
    return o;
  }();
  if (!once.lib && error) *error = once.error;
  return once.lib.get();
}

}  // namespace asc::cuda
