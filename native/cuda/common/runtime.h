// The CUDA runtime as the rest of the addon sees it: which devices exist and whether one
// is usable, and why not. Plain C++ (no CUDA header), so the binding and the CPU-only
// build include it; runtime.cuda.cc implements it with cudart, runtime.nocuda.cc for
// builds without nvcc. Reusable by every CUDA part of the addon (features, tfjs kernels).
//
// Contract: runtimeStatus() never throws and never crashes, with or without a driver or
// a GPU; requireDevice() throws CudaUnavailable carrying one of the codes below and a
// sentence naming the cause and, where there is one, the remedy.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace asc::cuda {

// Why CUDA cannot be used. Stable names (unusableName) travel to JS as error codes.
enum class Unusable {
  kNone,          // usable
  kNotBuilt,      // the addon was compiled without nvcc
  kNoDriver,      // no NVIDIA driver (libcuda.so.1) on this machine
  kDriverTooOld,  // the driver predates the CUDA runtime linked into the addon
  kNoDevice,      // the driver sees no GPU (or CUDA_VISIBLE_DEVICES hides them all)
  kArchitecture,  // the GPU's compute capability is older than the build's targets
  kOutOfMemory,   // not enough free device memory for what was asked
  kUnsupported,   // the feature config asks for something the CUDA kernels do not compute
  kError,         // any other CUDA error at initialisation
};
const char* unusableName(Unusable code);

struct DeviceInfo {
  int index = 0;
  std::string name;
  int major = 0;  // compute capability major.minor
  int minor = 0;
  std::uint64_t memoryBytes = 0;
  std::uint64_t freeBytes = 0;  // at the time of the query
  int multiprocessors = 0;
  std::string pciBusId;
};

struct RuntimeStatus {
  bool built = false;
  std::string nvccVersion;         // "13.0" (empty when not built)
  std::vector<int> architectures;  // compute capabilities compiled for, e.g. 75, 80, 90
  int runtimeVersion = 0;          // CUDA runtime linked in, e.g. 13000
  int driverVersion = 0;           // CUDA version the driver supports (0: no driver)
  std::string driverRelease;       // the kernel driver's release, e.g. "580.159.03"
  std::vector<DeviceInfo> devices;
  Unusable code = Unusable::kNotBuilt;
  std::string reason;  // why CUDA is unusable; names the device that is used otherwise
  bool usable() const { return code == Unusable::kNone; }
};

// Queries the driver and devices (cheap after the first call, which loads the driver).
RuntimeStatus runtimeStatus();

// Whether the addon was compiled with nvcc (no driver call).
bool builtWithCuda();

// A library loaded at run time (cuFFT): where it was found, or why not.
struct LibraryStatus {
  bool found = false;
  std::string path;
  std::string version;
  std::string error;
};
LibraryStatus cufftStatus();

// "13.0" for 13000.
std::string cudaVersionString(int version);

class CudaUnavailable : public std::runtime_error {
 public:
  CudaUnavailable(Unusable code, const std::string& reason)
      : std::runtime_error(reason), code_(code) {}
  Unusable code() const { return code_; }

 private:
  Unusable code_;
};

// A CUDA call that failed after initialisation (a launch, a copy, an allocation that was
// not expected to fail). what() names the call, the error and where it happened.
class CudaError : public std::runtime_error {
 public:
  CudaError(int error, const std::string& message) : std::runtime_error(message), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

// The device `index` when it is usable and has `bytes` of memory free; throws
// CudaUnavailable otherwise (kOutOfMemory names what is free and what was asked).
DeviceInfo requireDevice(int index, std::uint64_t bytes);

}  // namespace asc::cuda
