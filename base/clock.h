// Time is injected: code that needs "now" takes a Clock&, so tests drive it.
#ifndef AISLE_BASE_CLOCK_H_
#define AISLE_BASE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace aisle {

// Thread-safe. Times are Unix epoch milliseconds.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_millis = 1'700'000'000'000) : now_(now_millis) {}
  int64_t NowMillis() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t now_millis) { now_.store(now_millis, std::memory_order_relaxed); }
  void Advance(int64_t millis) { now_.fetch_add(millis, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace aisle

#endif  // AISLE_BASE_CLOCK_H_
