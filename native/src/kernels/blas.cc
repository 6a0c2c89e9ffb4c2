#include "kernels/blas.h"

#include <cblas.h>
#include <dlfcn.h>

#include <cstdlib>
#include <stdexcept>

namespace asc::kernels {

namespace {

// OpenBLAS picks its kernels from the CPU model (CPUID) when it is loaded. Virtual
// machines that hide the model (this project's 2-core VMs among them) make it fall back
// to its Prescott (SSE3) kernels, whose sgemm is 3-4x slower than the AVX-512 ones the
// CPU runs. So the addon does not link OpenBLAS: it sets OPENBLAS_CORETYPE from the
// instruction-set flags (unless the user set it) and then loads the library itself.
const char* coreTypeForCpu() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return nullptr;
}

struct OpenBlas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&openblas_get_corename) coreName = nullptr;
  std::string error;
};

template <class F>
F symbol(void* lib, const char* name, std::string& error) {
  void* p = dlsym(lib, name);
  if (!p && error.empty()) error = std::string("OpenBLAS lacks ") + name;
  return reinterpret_cast<F>(p);
}

const OpenBlas& openBlas() {
  static const OpenBlas lib = [] {
    OpenBlas b;
    if (const char* core = coreTypeForCpu()) setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
    void* handle = dlopen(ASC_OPENBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!handle) handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      b.error = std::string("cannot load OpenBLAS (") + ASC_OPENBLAS_LIBRARY + "): " + dlerror();
      return b;
    }
    b.sgemm = symbol<decltype(&cblas_sgemm)>(handle, "cblas_sgemm", b.error);
    b.coreName = symbol<decltype(&openblas_get_corename)>(handle, "openblas_get_corename", b.error);
    auto setThreads =
        symbol<decltype(&openblas_set_num_threads)>(handle, "openblas_set_num_threads", b.error);
    // The kernels split work across asc::kernelPool() themselves; OpenBLAS's own threads
    // on top would oversubscribe the cores.
    if (setThreads) setThreads(1);
    if (!b.error.empty()) b.sgemm = nullptr;
    return b;
  }();
  return lib;
}

}  // namespace

std::string loadBlas() { return openBlas().error; }

std::string blasCoreName() {
  const OpenBlas& b = openBlas();
  const char* name = b.coreName ? b.coreName() : nullptr;
  return name ? name : "unknown";
}

void sgemm(bool transA, bool transB, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
           std::size_t ldc) {
  if (m == 0 || n == 0) return;
  const OpenBlas& lib = openBlas();
  if (!lib.sgemm) throw std::runtime_error(lib.error);
  lib.sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
            static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
            static_cast<blasint>(ldc));
}

}  // namespace asc::kernels
