// Metrics: a registry of HTTP request counters, latency histograms and
// gauges, rendered in the Prometheus text exposition format 0.0.4.
//
// Series:
//   aisle_http_requests_total{route,method,status}            counter
//   aisle_http_request_duration_seconds{route,method}         histogram
//     buckets (s): 0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05
//                  0.1 0.25 0.5 1 2.5 5 10 +Inf
//   <name> registered with AddGauge                           gauge
// `route` is a route pattern ("/v1/products/{id}"), never a raw path, so the
// number of series stays bounded.
//
// Thread-safety: all methods may be called concurrently. The hot path
// (RouteSeries::Observe) is lock-free (relaxed atomics); a series is created
// once under a mutex and lives as long as the registry. Gauge callbacks run
// inside RenderPrometheus on the caller's thread, under the registry mutex:
// they must not call back into this registry.
#ifndef AISLE_SERVER_METRICS_H_
#define AISLE_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aisle::server {

// Counters and the latency histogram of one (route, method) pair.
class RouteSeries {
 public:
  static constexpr std::array<double, 16> kBucketBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};

  // Lock-free. Statuses outside 100..599 are counted as 500 (a handler bug).
  void Observe(int status, double seconds);

 private:
  friend class Metrics;
  static constexpr int kMinStatus = 100;
  static constexpr int kStatusSlots = 500;  // 100..599.

  std::array<std::atomic<uint64_t>, kStatusSlots> by_status_{};
  // Non-cumulative counts; the last slot is (10 s, +Inf).
  std::array<std::atomic<uint64_t>, kBucketBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_nanos_{0};
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The series of (route, method), created on first use. The pointer stays
  // valid for the registry's lifetime: callers on the hot path (the Router)
  // look it up once and keep it.
  RouteSeries* Series(std::string_view route, std::string_view method);

  // Convenience: Series(route, method)->Observe(status, seconds). Takes the
  // registry mutex for the lookup.
  void ObserveRequest(std::string_view route, std::string_view method, int status, double seconds);

  // Registers a gauge read at render time. `name` must be a valid Prometheus
  // metric name ([a-zA-Z_:][a-zA-Z0-9_:]*); a second gauge with the same name
  // replaces the first. Call at wiring time.
  void AddGauge(std::string name, std::string help, std::function<double()> value);

  std::string RenderPrometheus() const;

 private:
  struct Gauge {
    std::string help;
    std::function<double()> value;
  };

  mutable std::mutex mu_;
  // Keyed by (route, method); sorted so the output is stable.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<RouteSeries>> series_;
  std::map<std::string, Gauge> gauges_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_METRICS_H_
