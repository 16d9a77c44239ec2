#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace aisle::server {
namespace {

// Label values escape '\\', '"' and newline (exposition format 0.0.4).
void AppendLabelValue(std::string_view value, std::string* out) {
  out->push_back('"');
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// HELP text escapes '\\' and newline.
void AppendHelp(std::string_view name, std::string_view help, std::string* out) {
  out->append("# HELP ").append(name).push_back(' ');
  for (char c : help) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
  out->push_back('\n');
}

void AppendType(std::string_view name, std::string_view type, std::string* out) {
  out->append("# TYPE ").append(name).push_back(' ');
  out->append(type).push_back('\n');
}

void AppendNumber(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof(buf), value);
    out->append(buf, result.ptr);
  }
}

void AppendUint(uint64_t value, std::string* out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, result.ptr);
}

// `{route="...",method="..."` without the closing brace.
void AppendRouteLabels(const std::pair<std::string, std::string>& key, std::string* out) {
  out->append("{route=");
  AppendLabelValue(key.first, out);
  out->append(",method=");
  AppendLabelValue(key.second, out);
}

constexpr std::string_view kRequestsTotal = "aisle_http_requests_total";
constexpr std::string_view kDuration = "aisle_http_request_duration_seconds";

}  // namespace

void RouteSeries::Observe(int status, double seconds) {
  if (status < kMinStatus || status >= kMinStatus + kStatusSlots) status = 500;
  by_status_[status - kMinStatus].fetch_add(1, std::memory_order_relaxed);
  if (!(seconds >= 0)) seconds = 0;  // Also maps NaN to 0.
  size_t bucket = 0;
  while (bucket < kBucketBounds.size() && seconds > kBucketBounds[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  const double nanos = std::min(seconds * 1e9, 1e18);
  sum_nanos_.fetch_add(static_cast<uint64_t>(nanos + 0.5), std::memory_order_relaxed);
}

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

RouteSeries* Metrics::Series(std::string_view route, std::string_view method) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = series_[{std::string(route), std::string(method)}];
  if (!slot) slot = std::make_unique<RouteSeries>();
  return slot.get();
}

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             double seconds) {
  Series(route, method)->Observe(status, seconds);
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> value) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(value)};
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.reserve(1024 + series_.size() * 2048);

  AppendHelp(kRequestsTotal, "HTTP requests by route pattern, method and status.", &out);
  AppendType(kRequestsTotal, "counter", &out);
  for (const auto& [key, series] : series_) {
    for (int i = 0; i < RouteSeries::kStatusSlots; ++i) {
      const uint64_t n = series->by_status_[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.append(kRequestsTotal);
      AppendRouteLabels(key, &out);
      out.append(",status=\"");
      AppendUint(static_cast<uint64_t>(RouteSeries::kMinStatus + i), &out);
      out.append("\"} ");
      AppendUint(n, &out);
      out.push_back('\n');
    }
  }

  AppendHelp(kDuration, "Time spent in the handler, by route pattern and method.", &out);
  AppendType(kDuration, "histogram", &out);
  for (const auto& [key, series] : series_) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b < series->buckets_.size(); ++b) {
      cumulative += series->buckets_[b].load(std::memory_order_relaxed);
      out.append(kDuration).append("_bucket");
      AppendRouteLabels(key, &out);
      out.append(",le=\"");
      if (b < RouteSeries::kBucketBounds.size()) {
        // Fixed notation, as client libraries print le: "0.0001", not "1e-04".
        char buf[32];
        const auto result = std::to_chars(buf, buf + sizeof(buf), RouteSeries::kBucketBounds[b],
                                          std::chars_format::fixed);
        out.append(buf, result.ptr);
      } else {
        out.append("+Inf");
      }
      out.append("\"} ");
      AppendUint(cumulative, &out);
      out.push_back('\n');
    }
    // _count equals the +Inf bucket even while requests are being recorded.
    out.append(kDuration).append("_sum");
    AppendRouteLabels(key, &out);
    out.append("} ");
    AppendNumber(static_cast<double>(series->sum_nanos_.load(std::memory_order_relaxed)) / 1e9,
                 &out);
    out.push_back('\n');
    out.append(kDuration).append("_count");
    AppendRouteLabels(key, &out);
    out.append("} ");
    AppendUint(cumulative, &out);
    out.push_back('\n');
  }

  for (const auto& [name, gauge] : gauges_) {
    AppendHelp(name, gauge.help, &out);
    AppendType(name, "gauge", &out);
    double value = 0;
    try {
      value = gauge.value ? gauge.value() : std::nan("");
    } catch (...) {
      value = std::nan("");  // A broken gauge must not break /metrics.
    }
    out.append(name).push_back(' ');
    AppendNumber(value, &out);
    out.push_back('\n');
  }
  return out;
}

}  // namespace aisle::server
