// HTTP load generator: N keep-alive connections send search requests for a
// fixed duration; prints throughput and latency percentiles.
//
//   build/release/bench/load_gen --port 7700 --connections 8 --duration 20
//       [--queries ../shared/data/queries/bestbuy-query-suggestions.json]
//       [--facets brand,categories.lvl0,price] [--words-from-demo]
//
// Queries come from the Best Buy query log (weighted by popularity) when
// --queries is given, otherwise from title words of the demo catalog. Every
// connection is bounded by --duration and stops by itself.
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ingest/demo_catalog.h"
#include "server/http_client.h"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 7700;
  int connections = 8;
  double duration_s = 10;
  std::string queries_file;
  std::string facets;
};

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A popularity-weighted query list (each query repeated by its weight, capped).
std::vector<std::string> LoadQueries(const Options& options) {
  std::vector<std::string> queries;
  if (!options.queries_file.empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.load(options.queries_file).get(root)) {
      std::fprintf(stderr, "cannot read %s\n", options.queries_file.c_str());
      std::exit(1);
    }
    for (auto item : root.get_array()) {
      std::string_view q;
      int64_t popularity = 1;
      if (item["query"].get_string().get(q)) continue;
      if (item["popularity"].get_int64().get(popularity) != simdjson::SUCCESS) popularity = 1;
      const int64_t copies = std::clamp<int64_t>(popularity / 20, 1, 50);
      for (int64_t i = 0; i < copies; ++i) queries.emplace_back(q);
    }
  } else {
    for (const auto& p : aisle::ingest::GenerateDemoCatalog(0, 2000)) {
      const size_t space = p.title.find(' ', p.title.find(' ') + 1);
      queries.push_back(p.title.substr(p.title.find(' ') + 1, space - p.title.find(' ') - 1));
    }
  }
  std::shuffle(queries.begin(), queries.end(), std::mt19937(7));
  return queries;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--host")
      options.host = value;
    else if (flag == "--port")
      options.port = static_cast<uint16_t>(std::stoi(value));
    else if (flag == "--connections")
      options.connections = std::stoi(value);
    else if (flag == "--duration")
      options.duration_s = std::stod(value);
    else if (flag == "--queries")
      options.queries_file = value;
    else if (flag == "--facets")
      options.facets = value;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const std::vector<std::string> queries = LoadQueries(options);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(options.duration_s));
  std::vector<std::vector<double>> latencies(options.connections);
  std::atomic<uint64_t> errors{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < options.connections; ++c) {
    threads.emplace_back([&, c] {
      auto client = aisle::server::HttpClient::Create({options.host, options.port});
      for (size_t i = c; std::chrono::steady_clock::now() < deadline; i += options.connections) {
        std::string target = "/v1/search?q=" + UrlEncode(queries[i % queries.size()]);
        if (!options.facets.empty()) target += "&facets=" + options.facets;
        const auto t0 = std::chrono::steady_clock::now();
        auto r = client->Send("GET", target);
        const auto t1 = std::chrono::steady_clock::now();
        if (!r.ok() || r->status != 200) {
          errors++;
          continue;
        }
        latencies[c].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(all.size() * p))];
  };
  std::printf("connections=%d duration=%.1fs requests=%zu errors=%llu qps=%.0f\n",
              options.connections, elapsed, all.size(),
              static_cast<unsigned long long>(errors.load()), all.size() / elapsed);
  std::printf("latency_ms p50=%.3f p90=%.3f p99=%.3f max=%.3f\n", pct(0.5), pct(0.9), pct(0.99),
              all.empty() ? 0.0 : all.back());
  return errors.load() == 0 ? 0 : 1;
}
