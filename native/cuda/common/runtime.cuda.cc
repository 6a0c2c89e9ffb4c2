// runtime.h with the CUDA runtime (linked statically: only the driver is needed where the
// addon runs). Compiled only when nvcc was found.
#include "cuda/common/runtime.h"

#include <cuda_runtime.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "cuda/common/library.h"

#ifndef ASC_NVCC_VERSION
#error "ASC_NVCC_VERSION must be defined by the build (CMAKE_CUDA_COMPILER_VERSION)"
#endif
#ifndef ASC_CUDA_ARCHITECTURES
#error "ASC_CUDA_ARCHITECTURES must be defined by the build (CMAKE_CUDA_ARCHITECTURES)"
#endif

namespace asc::cuda {

namespace {

std::vector<int> compiledArchitectures() {
  // "75,80,90" (CMake's list, possibly with -real / -virtual suffixes)
  std::vector<int> archs;
  std::stringstream in(ASC_CUDA_ARCHITECTURES);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      archs.push_back(std::stoi(item));
    } catch (const std::exception&) {
    }
  }
  return archs;
}

std::string majorMinor(const std::string& version) {
  const std::size_t first = version.find('.');
  if (first == std::string::npos) return version;
  const std::size_t second = version.find('.', first + 1);
  return version.substr(0, second);
}

// The kernel driver's release ("580.159.03"): /proc where the kernel module exposes it,
// else NVML (it answers inside sandboxes that hide /proc/driver).
std::string driverRelease() {
  std::ifstream proc("/proc/driver/nvidia/version");
  std::string line;
  if (proc && std::getline(proc, line)) {
    std::stringstream words(line);
    std::string word;
    while (words >> word) {
      if (!word.empty() && word[0] >= '0' && word[0] <= '9' && word.find('.') != std::string::npos)
        return word;
    }
  }
  static SharedLibrary nvml = SharedLibrary::open({"libnvidia-ml.so.1"}, nullptr);
  if (!nvml.ok()) return "";
  int (*init)() = nullptr;
  int (*version)(char*, unsigned) = nullptr;
  int (*shutdown)() = nullptr;
  if (!nvml.bind(init, "nvmlInit_v2") || !nvml.bind(version, "nvmlSystemGetDriverVersion") ||
      !nvml.bind(shutdown, "nvmlShutdown")) {
    return "";
  }
  char buffer[96] = {0};
  std::string release;
  if (init() == 0) {
    if (version(buffer, sizeof buffer) == 0) release = buffer;
    shutdown();
  }
  return release;
}

std::string errorText(cudaError_t e) {
  return std::string("error ") + std::to_string(static_cast<int>(e)) + " " + cudaGetErrorName(e) +
         ": " + cudaGetErrorString(e);
}

std::string gib(std::uint64_t bytes) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << static_cast<double>(bytes) / (1ull << 30) << " GiB";
  return s.str();
}

std::string describe(const DeviceInfo& d) {
  return "device " + std::to_string(d.index) + " (" + d.name + ", compute capability " +
         std::to_string(d.major) + "." + std::to_string(d.minor) + ", " + gib(d.memoryBytes) + ")";
}

int minimumArchitecture(const std::vector<int>& archs) {
  int lowest = 0;
  for (int a : archs) {
    if (lowest == 0 || a < lowest) lowest = a;
  }
  return lowest;
}

// The status of the driver and the devices; the slow part (driver load) happens once.
RuntimeStatus query() {
  RuntimeStatus s;
  s.built = true;
  s.nvccVersion = majorMinor(ASC_NVCC_VERSION);
  s.architectures = compiledArchitectures();
  cudaRuntimeGetVersion(&s.runtimeVersion);
  if (cudaDriverGetVersion(&s.driverVersion) != cudaSuccess) s.driverVersion = 0;
  s.driverRelease = driverRelease();
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    if (e == cudaErrorInsufficientDriver && s.driverVersion == 0) {
      s.code = Unusable::kNoDriver;
      s.reason =
          "no CUDA device: no NVIDIA driver is installed (libcuda.so.1 was not found; "
          "cudaGetDeviceCount: " +
          errorText(e) + ")";
    } else if (e == cudaErrorInsufficientDriver ||
               (s.driverVersion > 0 && s.driverVersion < s.runtimeVersion)) {
      s.code = Unusable::kDriverTooOld;
      s.reason = "the NVIDIA driver is too old: it supports CUDA " +
                 cudaVersionString(s.driverVersion) +
                 (s.driverRelease.empty() ? "" : " (driver " + s.driverRelease + ")") +
                 ", this addon's CUDA runtime needs CUDA " + cudaVersionString(s.runtimeVersion) +
                 " or newer; update the driver (cudaGetDeviceCount: " + errorText(e) + ")";
    } else if (e == cudaErrorNoDevice) {
      s.code = Unusable::kNoDevice;
      s.reason =
          "no CUDA device: the driver found no GPU (cudaGetDeviceCount: " + errorText(e) + ")";
    } else {
      s.code = Unusable::kError;
      s.reason = "CUDA could not be initialised (cudaGetDeviceCount: " + errorText(e) + ")";
    }
    return s;
  }
  if (count == 0) {
    s.code = Unusable::kNoDevice;
    s.reason = "no CUDA device: the driver found no GPU (CUDA_VISIBLE_DEVICES may hide them)";
    return s;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    DeviceInfo d;
    d.index = i;
    d.name = p.name;
    d.major = p.major;
    d.minor = p.minor;
    d.memoryBytes = p.totalGlobalMem;
    d.multiprocessors = p.multiProcessorCount;
    char bus[32] = {0};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) d.pciBusId = bus;
    s.devices.push_back(d);
  }
  const int lowest = minimumArchitecture(s.architectures);
  for (const DeviceInfo& d : s.devices) {
    if (d.major * 10 + d.minor >= lowest) {
      s.code = Unusable::kNone;
      s.reason = describe(d) + " is usable";
      return s;
    }
  }
  s.code = s.devices.empty() ? Unusable::kError : Unusable::kArchitecture;
  s.reason =
      s.devices.empty()
          ? "CUDA reported devices whose properties could not be read"
          : describe(s.devices[0]) + " is older than this build's targets (compute capability " +
                std::to_string(lowest / 10) + "." + std::to_string(lowest % 10) + " and newer)";
  return s;
}

}  // namespace

bool builtWithCuda() { return true; }

RuntimeStatus runtimeStatus() {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  return query();
}

DeviceInfo requireDevice(int index, std::uint64_t bytes) {
  const RuntimeStatus s = runtimeStatus();
  if (s.code != Unusable::kNone && s.code != Unusable::kArchitecture)
    throw CudaUnavailable(s.code, s.reason);
  const DeviceInfo* found = nullptr;
  for (const DeviceInfo& d : s.devices) {
    if (d.index == index) found = &d;
  }
  if (!found) {
    throw CudaUnavailable(Unusable::kNoDevice, "no CUDA device " + std::to_string(index) +
                                                   ": the driver reports " +
                                                   std::to_string(s.devices.size()) + " device(s)");
  }
  DeviceInfo d = *found;
  const int lowest = minimumArchitecture(s.architectures);
  if (d.major * 10 + d.minor < lowest) {
    throw CudaUnavailable(Unusable::kArchitecture,
                          describe(d) + " is older than this build's targets (compute capability " +
                              std::to_string(lowest / 10) + "." + std::to_string(lowest % 10) +
                              " and newer)");
  }
  cudaError_t e = cudaSetDevice(index);
  std::size_t freeBytes = 0;
  std::size_t totalBytes = 0;
  if (e == cudaSuccess) e = cudaMemGetInfo(&freeBytes, &totalBytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    const Unusable code =
        e == cudaErrorMemoryAllocation ? Unusable::kOutOfMemory : Unusable::kError;
    throw CudaUnavailable(code, describe(d) + " could not be initialised: " + errorText(e));
  }
  d.freeBytes = freeBytes;
  if (freeBytes < bytes) {
    throw CudaUnavailable(Unusable::kOutOfMemory, "out of memory on " + describe(d) + ": " +
                                                      std::to_string(freeBytes >> 20) +
                                                      " MiB free, " + std::to_string(bytes >> 20) +
                                                      " MiB needed (ask for less device memory)");
  }
  return d;
}

}  // namespace asc::cuda
