// The emulated device: host memory for device memory, and the device programs run as
// host loops on the kernel thread pool (each index is independent, so the split does
// not change any result).
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "common/thread_pool.h"
#include "cuda/train/device.h"
#include "cuda/train/kernels_impl.h"

namespace asc::cuda::train {

namespace {

class HostAllocator : public RawAllocator {
 public:
  void* allocate(std::size_t bytes) override {
    return std::aligned_alloc(BlockPool::kGranule, bytes);
  }
  void release(void* p) override { std::free(p); }
};

class HostLauncher {
 public:
  template <class P>
  void elements(Index n, const P& program) {
    if (n <= 0) return;
    kernelPool().parallelFor(static_cast<std::size_t>(n), 4096, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) program(static_cast<Index>(i));
    });
  }
  void gemm(const GemmArgs& g) { elements(gemmTiles(g), GemmProgram{g}); }
};

class HostExecutor : public Executor {
 public:
  RawAllocator& allocator() override { return allocator_; }
  void run(BlockPool& pool, const KernelCall& call) override { runKernel(launcher_, pool, call); }
  void upload(void* dst, const void* src, std::size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void download(void* dst, const void* src, std::size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void copy(void* dst, const void* src, std::size_t bytes) override {
    std::memmove(dst, src, bytes);
  }
  void synchronize() override {}
  int mark() override {
    const int id = next_++;
    marks_[id] = std::chrono::steady_clock::now();
    return id;
  }
  double elapsed(int start, int end) override {
    return std::chrono::duration<double, std::milli>(marks_.at(end) - marks_.at(start)).count();
  }
  void releaseMark(int mark) override { marks_.erase(mark); }
  const char* kind() const override { return "emulated"; }
  std::string description() const override {
    return "emulated device: host memory, the device programs run as host loops on " +
           std::to_string(kernelThreads()) + " thread(s); matrix products by the built-in kernel";
  }
  std::string gemm() const override { return "builtin"; }

 private:
  HostAllocator allocator_;
  HostLauncher launcher_;
  std::unordered_map<int, std::chrono::steady_clock::time_point> marks_;
  int next_ = 1;
};

}  // namespace

std::unique_ptr<Executor> makeHostExecutor() { return std::make_unique<HostExecutor>(); }

}  // namespace asc::cuda::train
