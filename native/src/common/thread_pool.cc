#include "common/thread_pool.h"

#include <algorithm>
#include <exception>
#include <memory>

namespace asc {

namespace {

// Workers spin this many times on an empty queue before sleeping: a kernel launches a
// parallelFor every few hundred microseconds, and a condition-variable wake-up costs
// tens of microseconds.
constexpr int kSpinsBeforeSleep = 4000;

// Chunks a parallelFor is cut into per thread (when the grain allows).
constexpr std::size_t kChunksPerThread = 4;

struct ForJob {
  std::size_t n = 0;
  std::size_t chunk = 0;
  std::size_t chunks = 0;
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;

  // Takes chunks until none is left; returns after the last chunk it ran.
  void drain() {
    for (;;) {
      const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) return;
      const std::size_t begin = c * chunk;
      const std::size_t end = std::min(n, begin + chunk);
      try {
        (*body)(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        std::lock_guard<std::mutex> lock(mutex);
        finished.notify_all();
      }
    }
  }
};

}  // namespace

ThreadPool::ThreadPool(unsigned threads) {
  const unsigned workers = threads > 1 ? threads - 1 : 0;
  workers_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

unsigned ThreadPool::hardwareThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

void ThreadPool::submit(std::function<void()> task) {
  if (workers_.empty()) {
    task();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(task));
    queued_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_one();
}

void ThreadPool::workerLoop() {
  for (;;) {
    for (int spin = 0; spin < kSpinsBeforeSleep && queued_.load(std::memory_order_acquire) == 0;
         ++spin) {
      std::this_thread::yield();
    }
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    task();
  }
}

void ThreadPool::parallelFor(std::size_t n, std::size_t grain,
                             const std::function<void(std::size_t, std::size_t)>& body) {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const std::size_t maxChunks = (n + grain - 1) / grain;
  // Several chunks per thread, taken dynamically: on a busy machine a descheduled
  // worker's share is picked up by the others instead of stalling the join.
  const std::size_t parts = std::min<std::size_t>(threads() * kChunksPerThread, maxChunks);
  if (parts <= 1 || threads() == 1) {
    body(0, n);
    return;
  }
  // Shared ownership: a helper task that starts after the caller has returned finds no
  // chunk left and must still be able to touch the job safely.
  auto job = std::make_shared<ForJob>();
  job->n = n;
  job->chunks = parts;
  job->chunk = (n + parts - 1) / parts;
  job->chunks = (n + job->chunk - 1) / job->chunk;
  job->body = &body;
  const std::size_t helpers = std::min<std::size_t>(threads(), job->chunks) - 1;
  for (std::size_t i = 0; i < helpers; ++i) submit([job] { job->drain(); });
  job->drain();
  {
    std::unique_lock<std::mutex> lock(job->mutex);
    job->finished.wait(lock, [&] { return job->done.load() == job->chunks; });
  }
  if (job->error) std::rethrow_exception(job->error);
}

namespace {
std::mutex gKernelPoolMutex;
std::unique_ptr<ThreadPool> gKernelPool;
}  // namespace

ThreadPool& kernelPool() {
  std::lock_guard<std::mutex> lock(gKernelPoolMutex);
  if (!gKernelPool) gKernelPool = std::make_unique<ThreadPool>(ThreadPool::hardwareThreads());
  return *gKernelPool;
}

void setKernelThreads(unsigned threads) {
  std::lock_guard<std::mutex> lock(gKernelPoolMutex);
  const unsigned wanted = std::max(1u, threads);
  if (gKernelPool && gKernelPool->threads() == wanted) return;
  gKernelPool = std::make_unique<ThreadPool>(wanted);
}

unsigned kernelThreads() { return kernelPool().threads(); }

}  // namespace asc
