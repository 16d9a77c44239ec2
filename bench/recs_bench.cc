// Recommendation latency and training time (issue C), in process:
//   recs_bench --beauty ../shared/data/interactions    Amazon Beauty (12k items)
//   recs_bench --items 1000000 --users 200000          generated catalog
// Trains the models, builds the content index, then times
// Recommender::Recommend (blend, 20 items) for `--requests` random users
// with their real history (as the server passes it), one thread, and
// prints p50 / p99 / max per request and per model.
//
// The generated catalog: items in clusters of 100 (a brand within a
// category); each user browses 4-12 items of one cluster in order, one in
// ten also visits another cluster. 5% of items are out of stock (filtered).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/load_util.h"
#include "ranking/recommender.h"

namespace aisle::ranking {
namespace {

using Clock = std::chrono::steady_clock;
using bench::Percentile;
using bench::Rng;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

struct Args {
  std::string beauty;
  size_t items = 0, users = 0, requests = 20000;
};

struct Workload {
  InteractionLog log;
  std::vector<Product> catalog;
  std::vector<std::vector<std::string>> histories;  // Newest last.
};

class OutOfStockEveryTwentieth final : public Availability {
 public:
  bool Recommendable(std::string_view id) const override {
    return std::hash<std::string_view>{}(id) % 20 != 0;
  }
};

class NoTrend final : public TrendingSource {
 public:
  std::vector<TrendingCounts> Top(std::string_view, size_t) const override { return {}; }
};

Workload Beauty(const std::string& dir) {
  Workload w;
  std::ifstream in(dir + "/Beauty.txt");
  if (!in) {
    std::fprintf(stderr, "recs_bench: cannot read %s/Beauty.txt\n", dir.c_str());
    std::exit(2);
  }
  std::string line, user, item;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    words >> user;
    std::vector<std::string> items;
    while (words >> item) items.push_back(item);
    const uint32_t u = w.log.InternUser(user);
    for (size_t i = 0; i < items.size(); ++i) {
      w.log.Add(u, {w.log.items().Intern(items[i]), EventType::kView, int64_t(i)});
    }
    w.histories.push_back(std::move(items));
  }
  for (const std::string& id : w.log.items().ids()) w.catalog.push_back({.id = id, .title = id});
  return w;
}

Workload Generated(size_t items, size_t users) {
  Workload w;
  Rng rng(42);
  const size_t clusters = std::max<size_t>(1, items / 100);
  for (size_t i = 0; i < items; ++i) {
    const size_t c = i % clusters;
    w.catalog.push_back({.id = "p" + std::to_string(i),
                         .title = "item " + std::to_string(i),
                         .brand = "brand" + std::to_string(c),
                         .categories = {"dept" + std::to_string(c / 100), "cat" + std::to_string(c / 10)},
                         .price = 5.0 + static_cast<double>(rng.Below(500))});
  }
  for (const Product& p : w.catalog) w.log.items().Intern(p.id);
  for (size_t u = 0; u < users; ++u) {
    const uint32_t user = w.log.InternUser("u" + std::to_string(u));
    const size_t cluster = rng.Below(clusters);
    const size_t n = 4 + rng.Below(9);
    std::vector<std::string> history;
    for (size_t k = 0; k < n; ++k) {
      size_t c = rng.Below(10) == 0 ? rng.Below(clusters) : cluster;
      const size_t item = c + clusters * rng.Below(std::max<size_t>(1, items / clusters));
      history.push_back("p" + std::to_string(item % items));
      w.log.Add(user, {static_cast<uint32_t>(item % items), EventType::kView, int64_t(k)});
    }
    w.histories.push_back(std::move(history));
  }
  return w;
}

void Report(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("%-28s p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%zu requests)\n", what,
              Percentile(ms, 0.5), Percentile(ms, 0.99), ms.empty() ? 0 : ms.back(), ms.size());
}

int Run(const Args& args) {
  auto start = Clock::now();
  Workload w = args.beauty.empty() ? Generated(args.items, args.users) : Beauty(args.beauty);
  std::printf("workload: %zu items, %zu users, %zu interactions (%.1f s to make)\n",
              w.log.items().size(), w.log.by_user().size(), w.log.interaction_count(),
              Seconds(start));
  TrainingOptions training;
  training.als.threads = 2;
  start = Clock::now();
  auto models = TrainedModels::Train(w.log, training, {.generation = 1});
  if (!models.ok()) {
    std::fprintf(stderr, "recs_bench: %s\n", models.status().ToString().c_str());
    return 2;
  }
  std::printf("training (ALS 50 factors x 15 iterations, factor index, sequence): %.2f s\n",
              Seconds(start));
  start = Clock::now();
  auto content = ContentIndex::Build({}, w.catalog);
  if (!content.ok()) {
    std::fprintf(stderr, "recs_bench: %s\n", content.status().ToString().c_str());
    return 2;
  }
  std::printf("content index (%d-d, %zu items): %.2f s\n", (*content)->dimension(),
              (*content)->size(), Seconds(start));
  OutOfStockEveryTwentieth availability;
  NoTrend trending;
  Recommender recommender({}, &trending, &availability);
  recommender.SetModels(*models);
  recommender.SetContent(std::move(*content));

  Rng rng(7);
  std::vector<std::vector<double>> times(kRecommendationModelCount + 1);
  for (size_t r = 0; r < args.requests; ++r) {
    const auto& history = w.histories[rng.Below(w.histories.size())];
    RecommendRequest request{.limit = 20};
    for (size_t i = history.size(); i-- > 0 && request.user_items.size() < 30;) {
      request.user_items.push_back({history[i], EventType::kView, int64_t(i)});
    }
    request.session_items.assign(request.user_items.begin(),
                                 request.user_items.begin() +
                                     std::min<size_t>(10, request.user_items.size()));
    for (int m = 0; m <= kRecommendationModelCount; ++m) {
      request.only = m < kRecommendationModelCount
                         ? std::optional(static_cast<RecommendationModel>(m))
                         : std::nullopt;
      const auto t0 = Clock::now();
      auto recs = recommender.Recommend(request);
      times[m].push_back(Seconds(t0) * 1000);
      if (!recs.ok()) {
        std::fprintf(stderr, "recs_bench: %s\n", recs.status().ToString().c_str());
        return 2;
      }
    }
  }
  for (int m = 0; m < kRecommendationModelCount; ++m) {
    Report(std::string(RecommendationModelName(static_cast<RecommendationModel>(m))).c_str(),
           times[m]);
  }
  Report("blend (20 items)", times.back());
  return 0;
}

}  // namespace
}  // namespace aisle::ranking

int main(int argc, char** argv) {
  aisle::ranking::Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--beauty") args.beauty = argv[i + 1];
    else if (flag == "--items") args.items = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--users") args.users = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--requests") args.requests = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: recs_bench (--beauty DIR | --items N --users N) [--requests N]\n");
      return 2;
    }
  }
  if (args.beauty.empty() && (args.items == 0 || args.users == 0)) {
    std::fprintf(stderr, "usage: recs_bench (--beauty DIR | --items N --users N) [--requests N]\n");
    return 2;
  }
  return aisle::ranking::Run(args);
}
