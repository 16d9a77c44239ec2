// Ingest and in-process search benchmarks over a generated catalog.
//
//   build/release/bench/search_bench --size 1000000 --dir /tmp/aisle-bench
//       [--benchmark_filter=...] [--benchmark_min_time=...]
//
// The index for a size is built once under --dir and reused by later runs
// (delete the directory to rebuild). Search benchmarks report p50/p99 per
// query as counters, besides Google Benchmark's mean.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "index/product_index.h"
#include "ingest/demo_catalog.h"
#include "ranking/searcher.h"

namespace aisle {
namespace {

struct Config {
  size_t size = 100000;
  std::string dir = "/tmp/aisle-bench";
};

Config& GetConfig() {
  static Config config;  // Set once by main() before any benchmark runs.
  return config;
}

std::unique_ptr<index::ProductIndex> OpenOrBuild(size_t size) {
  const std::string path = GetConfig().dir + "/index-" + std::to_string(size);
  const bool exists = std::filesystem::exists(path);
  index::IndexOptions options;
  options.path = path;
  auto index = index::ProductIndex::Open(options);
  if (!index.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(),
                 std::string(index.status().message()).c_str());
    std::exit(1);
  }
  if (!exists || (*index)->Stats().documents < size) {
    const auto start = std::chrono::steady_clock::now();
    constexpr size_t kBatch = 50000;
    for (size_t first = 0; first < size; first += kBatch) {
      auto batch = ingest::GenerateDemoCatalog(first, std::min(kBatch, size - first));
      if (!(*index)->Upsert(std::move(batch)).ok()) std::exit(1);
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "built %zu-product index in %.1f s (%.0f products/s)\n", size, secs,
                 size / secs);
  }
  return std::move(*index);
}

index::ProductIndex* SharedIndex() {
  static std::unique_ptr<index::ProductIndex> index = OpenOrBuild(GetConfig().size);
  return index.get();
}

// Query words: title words of the catalog itself, so every query has hits.
std::vector<std::string> QueryWords() {
  std::vector<std::string> words;
  for (const Product& p : ingest::GenerateDemoCatalog(0, 2000)) {
    std::string word;
    for (char c : p.title + " ") {
      if (std::isalpha(static_cast<unsigned char>(c))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else {
        if (word.size() >= 3) words.push_back(word);
        word.clear();
      }
    }
  }
  return words;
}

// The i-th query of n words: the same sequence in every benchmark.
std::string QueryText(const std::vector<std::string>& words, size_t i, int n_words) {
  std::string q;
  for (int w = 0; w < n_words; ++w) {
    q += (w ? " " : "") + words[(i * 7919 + w * 104729) % words.size()];
  }
  return q;
}

void ReportPercentiles(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
}

// A searcher with the default blended ranking, or BM25 alone.
std::unique_ptr<ranking::Searcher> MakeSearcher(bool blend) {
  auto searcher = std::make_unique<ranking::Searcher>(SharedIndex());
  ranking::RankingSettings settings;
  settings.enabled = blend;
  if (!searcher->SetRankingSettings(settings).ok()) std::exit(1);
  return searcher;
}

// Arg 0: words per query; arg 1: 1 = three facets (brand, categories.lvl0,
// price); arg 2: 1 = blended ranking (the default), 0 = BM25 alone.
void BM_Search(benchmark::State& state) {
  const auto searcher_ptr = MakeSearcher(state.range(2) != 0);
  const ranking::Searcher& searcher = *searcher_ptr;
  static const std::vector<std::string> words = QueryWords();
  const int n_words = static_cast<int>(state.range(0));
  const bool facets = state.range(1) != 0;
  std::vector<double> micros;
  size_t i = 0, hits = 0;
  for (auto _ : state) {
    ranking::SearchRequest request;
    request.q = QueryText(words, i++, n_words);
    if (facets) request.facets = {"brand", "categories.lvl0", "price"};
    const auto start = std::chrono::steady_clock::now();
    auto response = searcher.Search(request);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    if (!response.ok()) state.SkipWithError("search failed");
    hits += response.ok() ? response->result.total_hits : 0;
  }
  state.counters["avg_hits"] = static_cast<double>(hits) / std::max<size_t>(i, 1);
  ReportPercentiles(state, micros);
}
BENCHMARK(BM_Search)
    ->ArgsProduct({{1, 2, 3}, {0, 1}, {0, 1}})
    ->ArgNames({"words", "facets", "blend"})
    ->Unit(benchmark::kMicrosecond);

// A shopper with a typical profile: a few categories, brands and price
// ranges taken from the catalog itself, as PreferencesPersonalization builds.
class TypicalShopper : public ranking::PersonalizationSource {
 public:
  TypicalShopper() {
    const auto products = ingest::GenerateDemoCatalog(0, 50);
    for (size_t i = 0; i < products.size() && personal_.brands.size() < 8; i += 7) {
      personal_.brands[products[i].brand] = 0.3;
      personal_.categories[products[i].categories.back()] = 0.2;
    }
    personal_.price_bands = {{.low = 20, .high = 50, .weight = 0.2},
                             {.low = 50, .high = 100, .weight = 0.1}};
  }
  index::Personalization For(const std::string&) const override { return personal_; }

 private:
  index::Personalization personal_;
};

// Arg 0: words per query; arg 1: 1 = with a userId whose profile personalizes.
void BM_SearchPersonalized(benchmark::State& state) {
  static const TypicalShopper shopper;
  ranking::Searcher searcher(SharedIndex(), ranking::SearcherOptions(), &shopper);
  static const std::vector<std::string> words = QueryWords();
  const int n_words = static_cast<int>(state.range(0));
  std::vector<double> micros;
  size_t i = 0;
  for (auto _ : state) {
    ranking::SearchRequest request;
    request.q = QueryText(words, i++, n_words);
    if (state.range(1) != 0) request.user_id = "shopper";
    const auto start = std::chrono::steady_clock::now();
    auto response = searcher.Search(request);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    if (!response.ok()) state.SkipWithError("search failed");
  }
  ReportPercentiles(state, micros);
}
BENCHMARK(BM_SearchPersonalized)
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->ArgNames({"words", "user"})
    ->Unit(benchmark::kMicrosecond);

// Browsing without text (a category page, or the whole catalog): the blend
// must weigh every match, BM25 alone stops at the first page. Arg 0: 1 = a
// category filter (categories.lvl0 = the catalog's first department);
// arg 1: blend.
void BM_Browse(benchmark::State& state) {
  const auto searcher = MakeSearcher(state.range(1) != 0);
  const std::string department = ingest::GenerateDemoCatalog(0, 1).front().categories.front();
  std::vector<double> micros;
  size_t i = 0;
  for (auto _ : state) {
    ranking::SearchRequest request;
    if (state.range(0) != 0) request.filter = {{"categories.lvl0 = \"" + department + "\""}};
    request.offset = (i++ % 5) * 20;
    const auto start = std::chrono::steady_clock::now();
    auto response = searcher->Search(request);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    if (!response.ok()) state.SkipWithError("search failed");
  }
  ReportPercentiles(state, micros);
}
BENCHMARK(BM_Browse)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"filter", "blend"})
    ->Unit(benchmark::kMicrosecond);

// Bulk ingest into a fresh index: products/s, batches of 10,000 (one
// request each), including term generation and the commit's fsync.
void BM_Ingest(benchmark::State& state) {
  const size_t total = static_cast<size_t>(state.range(0));
  constexpr size_t kBatch = 10000;
  std::vector<std::vector<Product>> batches;
  for (size_t first = 0; first < total; first += kBatch) {
    batches.push_back(ingest::GenerateDemoCatalog(first, std::min(kBatch, total - first)));
  }
  for (auto _ : state) {
    state.PauseTiming();
    const std::string path = GetConfig().dir + "/ingest-tmp";
    std::filesystem::remove_all(path);
    index::IndexOptions options;
    options.path = path;
    auto index = index::ProductIndex::Open(options);
    auto copy = batches;
    state.ResumeTiming();
    for (auto& batch : copy) {
      if (!(*index)->Upsert(std::move(batch)).ok()) state.SkipWithError("upsert failed");
    }
    (void)(*index)->Close();
  }
  state.counters["products_per_s"] = benchmark::Counter(
      static_cast<double>(total * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Ingest)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace aisle

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--size" && i + 1 < argc) {
      aisle::GetConfig().size = std::stoul(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      aisle::GetConfig().dir = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::filesystem::create_directories(aisle::GetConfig().dir);
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
