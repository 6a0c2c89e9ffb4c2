// One thread that runs a handler on queued items, in order: the "device side" of the
// executors (the GPU executor waits there for each launch's last copy; the emulated one
// computes there), from which each launch's `done` is called. Plain C++.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace asc::cuda::features {

template <typename Item>
class SerialWorker {
 public:
  explicit SerialWorker(std::function<void(Item&)> handle) : handle_(std::move(handle)) {}
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;
  // Handles what is still queued, then stops.
  ~SerialWorker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  void push(Item item) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(item));
    }
    changed_.notify_all();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      Item item = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      handle_(item);
      lock.lock();
    }
  }

  std::function<void(Item&)> handle_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_{[this] { loop(); }};  // last: starts once the rest exists
};

}  // namespace asc::cuda::features
