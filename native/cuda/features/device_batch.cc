#include "cuda/features/device_batch.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "common/thread_pool.h"
#include "cuda/common/runtime.h"
#include "features/scalogram.h"

namespace asc::cuda::features {

namespace {

using asc::features::BatchOptions;
using asc::features::ClipBuffers;
using asc::features::ClipOutcome;
using asc::features::ClipStatus;
using asc::features::ScalogramExtractor;
using asc::features::Segments;
using asc::features::SegmentsView;
using asc::features::ShardDtype;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct PendingClip {
  ClipOutcome outcome;
  int channels = 0;
  Clock::time_point start;
};

enum class SlotState { kFree, kFilling, kSealed, kRunning, kWriting };

struct Slot {
  SlotState state = SlotState::kFree;
  SlotLayout layout;
  std::vector<PendingClip> clips;  // in layout order
  int copying = 0;                 // workers still copying samples into the slot
  std::size_t writesLeft = 0;
  std::string error;  // of its launch
};

struct WriteJob {
  int slot;
  std::size_t clip;
};

// Per-thread buffers, kept from file to file.
struct Worker {
  ClipBuffers buffers;
  std::unique_ptr<ScalogramExtractor> cpu;  // made on the first clip too long for a slot
  Segments segments;
};

class DeviceBatch {
 public:
  DeviceBatch(const std::vector<std::string>& paths, const BatchOptions& options,
              SlotExecutor& executor, const std::atomic<bool>& cancel,
              const std::function<void(ClipOutcome&&)>& onOutcome)
      : paths_(paths),
        options_(options),
        executor_(executor),
        cancel_(cancel),
        onOutcome_(onOutcome),
        bands_(
            asc::features::sharedSparseBank(options.config.nFft, options.config.J, options.config.Q)
                ->bands()),
        slots_(executor.plan().slots) {}

  void work();

  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  std::size_t cpuFallbacks() const { return cpuFallbacks_; }
  std::size_t launches() const { return launches_; }

 private:
  bool stopping() const { return failed_ || cancel_.load(); }
  void emit(ClipOutcome&& outcome) { onOutcome_(std::move(outcome)); }
  // Reports file `index` as cancelled (the lock is released around the report).
  void emitCancelled(std::size_t index, std::unique_lock<std::mutex>& lock);
  void processFile(std::size_t index, Worker& w, std::unique_lock<std::mutex>& lock);
  void computeOnCpu(ClipOutcome& out, Worker& w, Clock::time_point start);
  // Under the lock: marks the filling slot sealed; returns it when it is ready to launch.
  int sealFilling();
  // Seals the filling slot and, when it is ready, launches it (the lock is released
  // around the launch).
  void sealAndLaunch(std::unique_lock<std::mutex>& lock);
  // Without the lock.
  void launch(int slot);
  void finished(int slot, const std::string& error);
  void write(const WriteJob& job, Worker& w);
  void afterWrite(const WriteJob& job);  // under the lock
  bool runOneWrite(Worker& w, std::unique_lock<std::mutex>& lock);

  const std::vector<std::string>& paths_;
  const BatchOptions& options_;
  SlotExecutor& executor_;
  const std::atomic<bool>& cancel_;
  const std::function<void(ClipOutcome&&)>& onOutcome_;
  const int bands_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Slot> slots_;
  std::deque<WriteJob> writes_;
  std::size_t next_ = 0;     // next file to take
  std::size_t loading_ = 0;  // files taken, neither settled nor staged yet
  int filling_ = -1;
  bool failed_ = false;
  std::string failure_;
  std::size_t cpuFallbacks_ = 0;
  std::size_t launches_ = 0;
};

int DeviceBatch::sealFilling() {
  const int s = filling_;
  filling_ = -1;
  if (s < 0) return -1;
  Slot& slot = slots_[s];
  if (slot.clips.empty()) {
    slot.state = SlotState::kFree;
    return -1;
  }
  slot.state = SlotState::kSealed;
  if (slot.copying > 0) return -1;  // the last copier launches it
  slot.state = SlotState::kRunning;
  return s;
}

void DeviceBatch::emitCancelled(std::size_t index, std::unique_lock<std::mutex>& lock) {
  ClipOutcome cancelled;
  cancelled.index = index;
  cancelled.status = ClipStatus::kCancelled;
  lock.unlock();
  emit(std::move(cancelled));
  lock.lock();
}

void DeviceBatch::sealAndLaunch(std::unique_lock<std::mutex>& lock) {
  const int ready = sealFilling();
  if (ready >= 0) {
    lock.unlock();
    launch(ready);
    lock.lock();
  }
}

void DeviceBatch::launch(int s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++launches_;
  }
  try {
    executor_.launch(s, slots_[s].layout,
                     [this, s](const std::string& error) { finished(s, error); });
  } catch (const std::exception& e) {
    finished(s, e.what());
  }
}

void DeviceBatch::finished(int s, const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  Slot& slot = slots_[s];
  slot.state = SlotState::kWriting;
  slot.error = error;
  if (!error.empty() && !failed_) {
    failed_ = true;
    failure_ = error;
  }
  slot.writesLeft = slot.clips.size();
  for (std::size_t c = 0; c < slot.clips.size(); ++c) writes_.push_back({s, c});
  changed_.notify_all();
}

void DeviceBatch::write(const WriteJob& job, Worker& w) {
  Slot& slot = slots_[job.slot];
  PendingClip& pending = slot.clips[job.clip];
  ClipOutcome& out = pending.outcome;
  if (!slot.error.empty()) {
    out.status = ClipStatus::kFailed;
    out.errorCode = "cuda";
    out.error = slot.error;
  } else {
    const StagedClip& clip = slot.layout.clips()[job.clip];
    const std::size_t valueBytes = executor_.outputDtype() == ShardDtype::kFloat16 ? 2 : 4;
    SegmentsView view;
    view.values = static_cast<const std::uint8_t*>(executor_.output(job.slot)) +
                  clip.itemBase * 2ull * valueBytes;
    view.valuesDtype = executor_.outputDtype();
    view.count = clip.paddedFrames / options_.config.segmentFrames;
    view.frames = clip.frames;
    view.segmentFrames = options_.config.segmentFrames;
    view.bands = bands_;
    out.device = executor_.deviceName();
    asc::features::storeClip(view, pending.channels, options_, w.buffers, out);
  }
  out.seconds = secondsSince(pending.start);
  emit(std::move(out));
}

void DeviceBatch::afterWrite(const WriteJob& job) {
  Slot& slot = slots_[job.slot];
  if (--slot.writesLeft == 0) {
    slot.state = SlotState::kFree;
    slot.clips.clear();
    slot.layout.clear();
    changed_.notify_all();
  }
}

bool DeviceBatch::runOneWrite(Worker& w, std::unique_lock<std::mutex>& lock) {
  if (writes_.empty()) return false;
  const WriteJob job = writes_.front();
  writes_.pop_front();
  lock.unlock();
  write(job, w);
  lock.lock();
  afterWrite(job);
  return true;
}

void DeviceBatch::computeOnCpu(ClipOutcome& out, Worker& w, Clock::time_point start) {
  if (!w.cpu) w.cpu = std::make_unique<ScalogramExtractor>(options_.config);
  try {
    w.cpu->computeSegments(w.buffers.audio, w.segments);
    out.device = "cpu";
    asc::features::storeClip(asc::features::viewOf(w.segments), w.buffers.audio.channels, options_,
                             w.buffers, out);
  } catch (const std::exception& e) {
    out.status = ClipStatus::kFailed;
    out.errorCode = "io";
    out.error = e.what();
  }
  out.seconds = secondsSince(start);
}

// Called with the lock held, returns with it held; works without it in between.
void DeviceBatch::processFile(std::size_t index, Worker& w, std::unique_lock<std::mutex>& lock) {
  ++loading_;
  lock.unlock();
  const Clock::time_point start = Clock::now();
  ClipOutcome out;
  out.index = index;
  const bool compute = asc::features::loadClip(paths_[index], options_, bands_, w.buffers, out);
  const asc::audio::DecodedAudio& audio = w.buffers.audio;
  const ClipNeeds needs =
      compute ? clipNeeds(audio.frames, audio.channels, options_.config, bands_) : ClipNeeds{};
  const SlotCapacity& capacity = executor_.plan().capacity;
  const bool fits = compute && SlotLayout().add(needs, capacity) >= 0 && audio.frames < (1u << 30);
  if (!compute || !fits) {
    if (compute) {
      computeOnCpu(out, w, start);
    } else {
      out.seconds = secondsSince(start);
    }
    emit(std::move(out));
    lock.lock();
    if (compute) ++cpuFallbacks_;
    --loading_;
    return;
  }
  lock.lock();
  int s = -1;
  int clipIndex = -1;
  for (;;) {
    if (stopping()) {
      --loading_;
      emitCancelled(index, lock);
      return;
    }
    if (filling_ >= 0) {
      Slot& slot = slots_[filling_];
      clipIndex = slot.layout.add(needs, capacity);
      if (clipIndex >= 0) {
        s = filling_;
        ++slot.copying;
        PendingClip pending;
        pending.outcome = std::move(out);
        pending.channels = audio.channels;
        pending.start = start;
        slot.clips.push_back(std::move(pending));
        break;
      }
      sealAndLaunch(lock);
      continue;
    }
    auto free = std::find_if(slots_.begin(), slots_.end(),
                             [](const Slot& x) { return x.state == SlotState::kFree; });
    if (free != slots_.end()) {
      free->state = SlotState::kFilling;
      filling_ = static_cast<int>(free - slots_.begin());
      continue;
    }
    if (!runOneWrite(w, lock)) changed_.wait(lock);
  }
  --loading_;
  const StagedClip staged = slots_[s].layout.clips()[clipIndex];
  std::vector<StagedChannel> channels(
      slots_[s].layout.channels().begin() + staged.channel,
      slots_[s].layout.channels().begin() + staged.channel + staged.channels);
  lock.unlock();
  float* input = executor_.input(s);
  for (std::size_t c = 0; c < channels.size(); ++c) {
    std::memcpy(input + channels[c].sampleOffset, audio.samples[c].data(),
                channels[c].samples * sizeof(float));
  }
  lock.lock();
  Slot& slot = slots_[s];
  if (--slot.copying == 0 && slot.state == SlotState::kSealed) {
    slot.state = SlotState::kRunning;
    lock.unlock();
    launch(s);
    lock.lock();
  }
}

void DeviceBatch::work() {
  Worker w;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (runOneWrite(w, lock)) continue;
    if (next_ < paths_.size()) {
      const std::size_t index = next_++;
      if (stopping()) {
        emitCancelled(index, lock);
      } else {
        processFile(index, w, lock);
      }
      continue;
    }
    // No file left to take: once nobody is still loading one, the partial slot goes.
    if (loading_ == 0 && filling_ >= 0) {
      sealAndLaunch(lock);
      continue;
    }
    const bool idle = loading_ == 0 && filling_ < 0 && writes_.empty() &&
                      std::all_of(slots_.begin(), slots_.end(),
                                  [](const Slot& x) { return x.state == SlotState::kFree; });
    if (idle) {
      changed_.notify_all();
      return;
    }
    changed_.wait(lock);
  }
}

}  // namespace

std::unique_ptr<SlotExecutor> makeExecutor(const asc::features::ScalogramConfig& config,
                                           ShardDtype dtype, const DeviceBatchOptions& device) {
  asc::features::validateConfig(config);
  ExecutorSetup setup;
  setup.config = config;
  setup.bank = asc::features::sharedSparseBank(config.nFft, config.J, config.Q);
  setup.dtype = dtype;
  setup.device = device.device;
  setup.memoryBytes = device.memoryBytes;
  setup.fft = device.fft;
  return device.executor == ExecutorKind::kEmulated ? makeEmulatedExecutor(setup)
                                                    : makeCudaExecutor(setup);
}

DeviceBatchInfo runDeviceBatch(const std::vector<std::string>& paths, const BatchOptions& options,
                               const DeviceBatchOptions& device, const std::atomic<bool>& cancel,
                               const std::function<void(ClipOutcome&&)>& onOutcome) {
  if (options.decode.sampleRateHz != options.config.sampleRateHz) {
    throw std::invalid_argument(
        "runDeviceBatch: the decoding rate differs from the feature config's");
  }
  std::unique_ptr<SlotExecutor> executor = makeExecutor(options.config, options.dtype, device);
  DeviceBatchInfo info;
  info.device = executor->deviceName();
  info.description = executor->description();
  info.fft = fftKindName(executor->fft());
  info.deviceBytes = executor->plan().deviceBytes();
  DeviceBatch batch(paths, options, *executor, cancel, onOutcome);
  const unsigned threads = std::max(1u, options.threads);
  ThreadPool pool(threads);
  pool.parallelFor(threads, 1, [&](std::size_t, std::size_t) { batch.work(); });
  info.cpuFallbacks = batch.cpuFallbacks();
  info.launches = batch.launches();
  if (batch.failed()) {
    throw CudaError(0, "the device failed during feature extraction (" + info.description +
                           "): " + batch.failure() +
                           "; the files finished before are kept, run again to resume");
  }
  return info;
}

}  // namespace asc::cuda::features
