#include "server/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace aisle::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every line is a comment ("# HELP name text", "# TYPE name type") or a
// sample "name{labels} value" / "name value"; the text ends with '\n'.
void ExpectExpositionFormat(const std::string& text) {
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  for (const std::string& line : Lines(text)) {
    if (line.rfind("# ", 0) == 0) {
      EXPECT_TRUE(line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) << line;
      continue;
    }
    const size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string value = line.substr(space + 1);
    EXPECT_FALSE(value.empty()) << line;
    const size_t brace = line.find('{');
    if (brace != std::string::npos && brace < space) {
      EXPECT_EQ(line[space - 1], '}') << line;
    }
  }
}

TEST(Metrics, RendersCountersByRouteMethodAndStatus) {
  Metrics metrics;
  metrics.ObserveRequest("/v1/products/{id}", "GET", 200, 0.0002);
  metrics.ObserveRequest("/v1/products/{id}", "GET", 200, 0.003);
  metrics.ObserveRequest("/v1/products/{id}", "GET", 404, 0.0001);
  metrics.ObserveRequest("/v1/search", "POST", 200, 0.5);
  const std::string text = metrics.RenderPrometheus();
  ExpectExpositionFormat(text);
  EXPECT_THAT(text, HasSubstr("# HELP aisle_http_requests_total "));
  EXPECT_THAT(text, HasSubstr("# TYPE aisle_http_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_requests_total{route=\"/v1/products/{id}\","
                              "method=\"GET\",status=\"200\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_requests_total{route=\"/v1/products/{id}\","
                              "method=\"GET\",status=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_requests_total{route=\"/v1/search\","
                              "method=\"POST\",status=\"200\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("status=\"500\"")));
}

TEST(Metrics, RendersACumulativeHistogramWithInfSumAndCount) {
  Metrics metrics;
  metrics.ObserveRequest("/r", "GET", 200, 0.00005);  // <= 0.0001
  metrics.ObserveRequest("/r", "GET", 200, 0.0001);   // <= 0.0001 (le is inclusive)
  metrics.ObserveRequest("/r", "GET", 200, 0.002);    // <= 0.0025
  metrics.ObserveRequest("/r", "GET", 200, 30.0);     // Only +Inf.
  const std::string text = metrics.RenderPrometheus();
  ExpectExpositionFormat(text);
  const std::string prefix =
      "aisle_http_request_duration_seconds_bucket{route=\"/r\",method=\"GET\",le=";
  EXPECT_THAT(text, HasSubstr("# TYPE aisle_http_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.0001\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.001\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.0025\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"10\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_request_duration_seconds_count{route=\"/r\","
                              "method=\"GET\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_request_duration_seconds_sum{route=\"/r\","
                              "method=\"GET\"} 30.00215\n"));
  // Buckets appear in increasing order of le.
  EXPECT_LT(text.find(prefix + "\"0.0001\""), text.find(prefix + "\"0.00025\""));
  EXPECT_LT(text.find(prefix + "\"5\""), text.find(prefix + "\"10\""));
  EXPECT_LT(text.find(prefix + "\"10\""), text.find(prefix + "\"+Inf\""));
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics;
  metrics.ObserveRequest("/a\"b\\c\nd", "GET", 200, 0.001);
  const std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("route=\"/a\\\"b\\\\c\\nd\""));
  ExpectExpositionFormat(text);
}

TEST(Metrics, OutOfRangeStatusCountsAs500AndBadDurationsAsZero) {
  Metrics metrics;
  metrics.ObserveRequest("/r", "GET", 42, -1.0);
  metrics.ObserveRequest("/r", "GET", 1000, std::nan(""));
  const std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("status=\"500\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("le=\"0.0001\"} 2\n"));
}

TEST(Metrics, SeriesPointerIsStableAndShared) {
  Metrics metrics;
  RouteSeries* a = metrics.Series("/x", "GET");
  for (int i = 0; i < 100; ++i) metrics.Series("/y" + std::to_string(i), "GET");
  EXPECT_EQ(metrics.Series("/x", "GET"), a);
  EXPECT_NE(metrics.Series("/x", "POST"), a);
  a->Observe(201, 0.01);
  EXPECT_THAT(metrics.RenderPrometheus(),
              HasSubstr("{route=\"/x\",method=\"GET\",status=\"201\"} 1\n"));
}

TEST(Metrics, RendersGaugesFromCallbacks) {
  Metrics metrics;
  double documents = 12345;
  metrics.AddGauge("aisle_index_documents", "Documents in the text index.",
                   [&] { return documents; });
  metrics.AddGauge("aisle_broken", "Throws.", []() -> double { throw std::runtime_error("x"); });
  documents = 0.5;
  const std::string text = metrics.RenderPrometheus();
  ExpectExpositionFormat(text);
  EXPECT_THAT(text, HasSubstr("# HELP aisle_index_documents Documents in the text index.\n"
                              "# TYPE aisle_index_documents gauge\n"
                              "aisle_index_documents 0.5\n"));
  EXPECT_THAT(text, HasSubstr("aisle_broken NaN\n"));
}

TEST(Metrics, ConcurrentObservationsAreAllCounted) {
  Metrics metrics;
  RouteSeries* series = metrics.Series("/hot", "GET");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        if (t % 2 == 0) {
          series->Observe(200, 0.001);
        } else {
          metrics.ObserveRequest("/hot", "GET", 200, 0.001);
        }
        if (i % 1000 == 0) metrics.RenderPrometheus();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("{route=\"/hot\",method=\"GET\",status=\"200\"} 40000\n"));
  EXPECT_THAT(text, HasSubstr("{route=\"/hot\",method=\"GET\",le=\"+Inf\"} 40000\n"));
}

TEST(Metrics, EmptyRegistryStillRendersTypeLines) {
  Metrics metrics;
  const std::string text = metrics.RenderPrometheus();
  ExpectExpositionFormat(text);
  EXPECT_THAT(text, HasSubstr("# TYPE aisle_http_requests_total counter\n"));
}

}  // namespace
}  // namespace aisle::server
