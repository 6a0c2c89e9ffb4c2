// The GPU executor of the tfjs backend: one non-blocking stream for every kernel and copy,
// device memory from cudaMalloc (pooled by TrainDevice), the programs of programs.h as
// grid-stride kernels, matrix products through cuBLAS when it loads (else GemmProgram),
// uploads through a ring of pinned staging slots so that they never wait for the GPU.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/common/check.h"
#include "cuda/common/memory.h"
#include "cuda/common/runtime.h"
#include "cuda/train/cublas.h"
#include "cuda/train/device.h"
#include "cuda/train/kernels_impl.h"

namespace asc::cuda::train {

namespace {

constexpr unsigned kThreads = 256;

template <class P>
__global__ void __launch_bounds__(kThreads) elementsKernel(Index n, P program) {
  const Index stride = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    program(i);
}

class CudaAllocator : public RawAllocator {
 public:
  void* allocate(std::size_t bytes) override {
    void* p = nullptr;
    if (cudaMalloc(&p, bytes) != cudaSuccess) {
      cudaGetLastError();  // out of memory is not sticky: clear it, the pool may trim
      return nullptr;
    }
    return p;
  }
  void release(void* p) override { cudaFree(p); }
};

class CudaLauncher {
 public:
  CudaLauncher(cudaStream_t stream, unsigned maxBlocks, void* cublas, const CublasLibrary* lib)
      : stream_(stream), maxBlocks_(maxBlocks), cublas_(cublas), lib_(lib) {}

  template <class P>
  void elements(Index n, const P& program) {
    if (n <= 0) return;
    const Index needed = (n + kThreads - 1) / kThreads;
    const unsigned blocks = static_cast<unsigned>(std::min<Index>(needed, maxBlocks_));
    elementsKernel<P><<<blocks, kThreads, 0, stream_>>>(n, program);
    ASC_CUDA_CHECK_LAUNCH();
  }

  // Row-major C = op(A) op(B) + beta C as cuBLAS's column-major C^T = op(B)^T op(A)^T.
  void gemm(const GemmArgs& g) {
    if (g.m == 0 || g.n == 0 || g.batch == 0) return;
    if (!cublas_ || g.m > kIntMax || g.n > kIntMax || g.k > kIntMax || g.batch > kIntMax) {
      elements(gemmTiles(g), GemmProgram{g});
      return;
    }
    const float one = 1.0f;
    const int status = lib_->sgemmStridedBatched(
        cublas_, g.transB ? CublasLibrary::kOpT : CublasLibrary::kOpN,
        g.transA ? CublasLibrary::kOpT : CublasLibrary::kOpN, static_cast<int>(g.n),
        static_cast<int>(g.m), static_cast<int>(g.k), &one, g.b,
        static_cast<int>(std::max<Index>(1, g.ldb)), g.strideB, g.a,
        static_cast<int>(std::max<Index>(1, g.lda)), g.strideA, &g.beta, g.c,
        static_cast<int>(std::max<Index>(1, g.ldc)), g.strideC, static_cast<int>(g.batch));
    if (status != 0) {
      throw CudaError(status, std::string("cublasSgemmStridedBatched failed: ") +
                                  CublasLibrary::statusName(status));
    }
  }

 private:
  static constexpr Index kIntMax = 2147483647;
  cudaStream_t stream_;
  unsigned maxBlocks_;
  void* cublas_;
  const CublasLibrary* lib_;
};

// Pinned slots that uploads pass through: the host copy into a slot is synchronous, the
// slot's copy to the device is asynchronous, and a slot is reused only after its event.
class UploadRing {
 public:
  static constexpr std::size_t kSlotBytes = 1u << 20;
  static constexpr int kSlots = 8;

  UploadRing() {
    for (int i = 0; i < kSlots; ++i) {
      slots_.emplace_back(kSlotBytes);
      events_.emplace_back(Event::kWait);
      used_.push_back(false);
    }
  }

  void upload(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
    auto* out = static_cast<unsigned char*>(dst);
    const auto* in = static_cast<const unsigned char*>(src);
    for (std::size_t done = 0; done < bytes;) {
      const std::size_t n = std::min(kSlotBytes, bytes - done);
      if (used_[next_]) events_[next_].synchronize();
      std::memcpy(slots_[next_].get(), in + done, n);
      ASC_CUDA_CHECK(
          cudaMemcpyAsync(out + done, slots_[next_].get(), n, cudaMemcpyHostToDevice, stream));
      events_[next_].record(stream);
      used_[next_] = true;
      next_ = (next_ + 1) % kSlots;
      done += n;
    }
  }

 private:
  std::vector<PinnedBuffer<unsigned char>> slots_;
  std::vector<Event> events_;
  std::vector<bool> used_;
  int next_ = 0;
};

class CudaExecutor : public Executor {
 public:
  explicit CudaExecutor(const DeviceOptions& options) : info_(requireDevice(options.device, 0)) {
    ASC_CUDA_CHECK(cudaSetDevice(options.device));
    stream_ = std::make_unique<Stream>();
    ring_ = std::make_unique<UploadRing>();
    std::string why = "disabled";
    if (options.cublas) {
      lib_ = CublasLibrary::get(&why);
      if (lib_) {
        int status = lib_->create(&cublas_);
        if (status == 0) status = lib_->setStream(cublas_, stream_->get());
        if (status == 0) {
          status = lib_->setMathMode(cublas_, options.tf32 ? CublasLibrary::kTf32TensorOpMath
                                                           : CublasLibrary::kDefaultMath);
        }
        int version = 0;
        if (status == 0) status = lib_->getVersion(cublas_, &version);
        if (status != 0) {
          why = std::string("cuBLAS did not start: ") + CublasLibrary::statusName(status);
          if (cublas_) lib_->destroy(cublas_);
          cublas_ = nullptr;
        } else {
          gemm_ = "cublas " + std::to_string(version / 10000) + "." +
                  std::to_string((version / 100) % 100) + "." + std::to_string(version % 100) +
                  (options.tf32 ? " (tf32)" : "") + " from " + lib_->path();
        }
      }
    }
    if (!cublas_) gemm_ = "builtin (no cuBLAS: " + why + ")";
    // Enough blocks for several waves on any current GPU; grid-stride loops do the rest.
    launcher_ = std::make_unique<CudaLauncher>(
        stream_->get(), static_cast<unsigned>(std::max(1, info_.multiprocessors) * 16), cublas_,
        lib_);
  }

  ~CudaExecutor() override {
    if (stream_) cudaStreamSynchronize(stream_->get());
    for (auto& [id, e] : marks_) cudaEventDestroy(e);
    if (cublas_) lib_->destroy(cublas_);
  }

  RawAllocator& allocator() override { return allocator_; }
  void run(BlockPool& pool, const KernelCall& call) override { runKernel(*launcher_, pool, call); }
  void upload(void* dst, const void* src, std::size_t bytes) override {
    ring_->upload(dst, src, bytes, stream_->get());
  }
  void download(void* dst, const void* src, std::size_t bytes) override {
    ASC_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_->get()));
    stream_->synchronize();
  }
  void copy(void* dst, const void* src, std::size_t bytes) override {
    ASC_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_->get()));
  }
  void synchronize() override { stream_->synchronize(); }
  int mark() override {
    cudaEvent_t e;
    ASC_CUDA_CHECK(cudaEventCreate(&e));
    ASC_CUDA_CHECK(cudaEventRecord(e, stream_->get()));
    const int id = next_++;
    marks_[id] = e;
    return id;
  }
  double elapsed(int start, int end) override {
    float ms = 0;
    ASC_CUDA_CHECK(cudaEventSynchronize(marks_.at(end)));
    ASC_CUDA_CHECK(cudaEventElapsedTime(&ms, marks_.at(start), marks_.at(end)));
    return ms;
  }
  void releaseMark(int mark) override {
    auto it = marks_.find(mark);
    if (it == marks_.end()) return;
    cudaEventDestroy(it->second);
    marks_.erase(it);
  }
  const char* kind() const override { return "cuda"; }
  std::string description() const override {
    return "CUDA device " + std::to_string(info_.index) + " (" + info_.name +
           ", compute capability " + std::to_string(info_.major) + "." +
           std::to_string(info_.minor) + "); matrix products by " + gemm_;
  }
  std::string gemm() const override { return gemm_; }

 private:
  DeviceInfo info_;
  CudaAllocator allocator_;
  std::unique_ptr<Stream> stream_;
  std::unique_ptr<UploadRing> ring_;
  const CublasLibrary* lib_ = nullptr;
  void* cublas_ = nullptr;
  std::string gemm_;
  std::unique_ptr<CudaLauncher> launcher_;
  std::unordered_map<int, cudaEvent_t> marks_;
  int next_ = 1;
};

}  // namespace

std::unique_ptr<Executor> makeCudaExecutor(const DeviceOptions& options) {
  return std::make_unique<CudaExecutor>(options);
}

}  // namespace asc::cuda::train
