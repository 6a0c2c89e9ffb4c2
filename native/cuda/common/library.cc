#include "cuda/common/library.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <utility>

namespace asc::cuda {

namespace {

bool isDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

SharedLibrary::SharedLibrary(SharedLibrary&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      path_(std::move(other.path_)),
      error_(std::move(other.error_)) {}

SharedLibrary& SharedLibrary::operator=(SharedLibrary&& other) noexcept {
  if (this != &other) {
    if (handle_) ::dlclose(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    path_ = std::move(other.path_);
    error_ = std::move(other.error_);
  }
  return *this;
}

// NVIDIA's libraries register atexit handlers and CUDA state; unloading them while the
// process runs on is what their documentation warns against, so a loaded library stays.
SharedLibrary::~SharedLibrary() = default;

SharedLibrary SharedLibrary::open(const std::vector<std::string>& names, const char* envVar,
                                  const std::vector<std::string>& directories) {
  SharedLibrary lib;
  std::vector<std::string> attempts;
  auto tryPath = [&](const std::string& path) {
    ::dlerror();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      lib.handle_ = handle;
      lib.path_ = path;
      return true;
    }
    const char* why = ::dlerror();
    attempts.push_back(path + " (" + (why ? why : "not found") + ")");
    return false;
  };
  auto inDirectory = [&](const std::string& dir) {
    for (const std::string& name : names) {
      const std::string path = dir + "/" + name;
      if (isFile(path) && tryPath(path)) return true;
    }
    return false;
  };
  const char* override = envVar ? std::getenv(envVar) : nullptr;
  if (override && *override) {
    const std::string value = override;
    const bool found = isDirectory(value) ? inDirectory(value) : tryPath(value);
    if (!found) {
      lib.error_ = std::string(envVar) + "=" + value + ": no loadable library";
      for (const auto& a : attempts) lib.error_ += "; " + a;
      if (attempts.empty()) lib.error_ += " (none of the names found there)";
    }
    return lib;
  }
  for (const std::string& name : names) {
    if (tryPath(name)) return lib;
  }
  for (const std::string& dir : directories) {
    if (inDirectory(dir)) return lib;
  }
  lib.error_ = "not found; tried";
  for (const auto& a : attempts) lib.error_ += " " + a + ";";
  if (envVar) lib.error_ += std::string(" set ") + envVar + " to the library or its directory";
  return lib;
}

SharedLibrary openNvidiaLibrary(const std::vector<std::string>& names, const char* envVar) {
  return SharedLibrary::open(names, envVar,
                             {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"});
}

void* SharedLibrary::symbol(const char* name) {
  if (!handle_) return nullptr;
  ::dlerror();
  void* address = ::dlsym(handle_, name);
  if (!address) error_ = path_ + ": no symbol " + name;
  return address;
}

}  // namespace asc::cuda
