// A small fixed-size thread pool shared by the feature pipeline (coarse tasks: one file
// each) and the tfjs kernels (fork-join loops over rows or channels).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace asc {

class ThreadPool {
 public:
  // `threads` counts every thread that works on a parallelFor, the caller included, so
  // ThreadPool(1) starts no worker and runs everything inline.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned threads() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // Queues a task for a worker thread. With no workers (threads() == 1) it runs inline.
  void submit(std::function<void()> task);

  // Calls body(begin, end) on disjoint chunks covering [0, n), each at least `grain`
  // long (except the last), on up to threads() threads; returns when all are done.
  // The caller takes chunks too, so a parallelFor issued from inside a task cannot
  // deadlock even when every worker is busy. An exception in a chunk is rethrown here.
  void parallelFor(std::size_t n, std::size_t grain,
                   const std::function<void(std::size_t, std::size_t)>& body);

  // The number of hardware threads, at least 1.
  static unsigned hardwareThreads();

 private:
  void workerLoop();

  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<std::size_t> queued_{0};
  bool stopping_ = false;
};

// The process-wide pool used by the tfjs kernels; resized by setKernelThreads.
ThreadPool& kernelPool();
void setKernelThreads(unsigned threads);
unsigned kernelThreads();

}  // namespace asc
