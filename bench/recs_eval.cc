// Offline evaluation of the recommendation models on Amazon Beauty with the
// protocol of the published table (../shared/data/README.md): per user the
// last item is the test target, the second-to-last the validation item, the
// rest training; every item is ranked (no sampled negatives) with the user's
// own history removed; HR@10, NDCG@10, HR@20.
//
// The models are trained on the training items only and asked through the
// serving path (Recommender::Recommend) with the user's history as input:
// what is measured is what the server returns. Beauty has no timestamps and
// no sessions: interactions are views one time step apart, the history is
// the session, and "trending" is popularity over the training data.
//
// Usage: recs_eval [--data DIR] [--users N] [--min-hr10 X] [--diversity X]
//                  [--blend-only true]
//   --min-hr10: exit 1 when the blend's HR@10 is below X (the ctest floor).
// Exits 77 (a ctest skip) when the data set is absent.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ranking/recommender.h"
#include "simdjson.h"

namespace aisle::ranking {
namespace {

constexpr int kSkipped = 77;  // ctest's SKIP_RETURN_CODE.

struct Args {
  std::string data = "../shared/data/interactions";
  size_t users = 0;  // 0 = all.
  double min_hr10 = 0;
  double diversity = -1;  // < 0: the default.
  bool blend_only = false;
};

struct Dataset {
  std::vector<std::vector<std::string>> sequences;  // Item ids in time order.
  absl::flat_hash_map<std::string, std::vector<std::string>> attributes;
};

Dataset Load(const Args& args) {
  Dataset data;
  std::ifstream in(args.data + "/Beauty.txt");
  if (!in) {
    // ../shared/data is absent in a user's fresh clone: ctest reports a skip.
    std::fprintf(stderr, "recs_eval: %s/Beauty.txt not found; skipping (the real data sets "
                 "are in ../shared/data in CI)\n", args.data.c_str());
    std::exit(kSkipped);
  }
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string user, item;
    words >> user;
    std::vector<std::string> sequence;
    while (words >> item) sequence.push_back(item);
    data.sequences.push_back(std::move(sequence));
  }
  simdjson::ondemand::parser parser;
  auto json = simdjson::padded_string::load(args.data + "/Beauty_item2attributes.json");
  if (json.error()) return data;  // Content then has nothing to say.
  simdjson::ondemand::document doc = parser.iterate(json.value());
  for (auto field : doc.get_object()) {
    std::string item(std::string_view(field.unescaped_key().value()));
    std::vector<std::string>& attrs = data.attributes[item];
    for (auto value : field.value().get_array()) {
      attrs.push_back(std::to_string(int64_t(value.get_int64().value())));
    }
  }
  return data;
}

// Beauty's attribute ids are categories and brands, as opaque ids.
std::vector<Product> Catalog(const Dataset& data) {
  absl::flat_hash_map<std::string, bool> seen;
  std::vector<Product> products;
  for (const auto& sequence : data.sequences) {
    for (const std::string& item : sequence) {
      if (!seen.emplace(item, true).second) continue;
      Product p{.id = item, .title = item};
      if (auto it = data.attributes.find(item); it != data.attributes.end()) {
        for (const std::string& a : it->second) p.attributes["a" + a] = "1";
      }
      products.push_back(std::move(p));
    }
  }
  return products;
}

// Popularity over the training data, as a trending source would report it.
class Popularity final : public TrendingSource {
 public:
  explicit Popularity(const InteractionLog& log) {
    std::vector<double> counts(log.items().size(), 0);
    for (const auto& user : log.by_user()) {
      for (const Interaction& in : user) counts[in.item] += 1;
    }
    for (uint32_t i = 0; i < counts.size(); ++i) {
      top_.push_back({log.items().Id(i), counts[i], 7 * counts[i]});
    }
    std::sort(top_.begin(), top_.end(),
              [](const auto& a, const auto& b) { return a.last_24h > b.last_24h; });
  }
  std::vector<TrendingCounts> Top(std::string_view, size_t n) const override {
    return {top_.begin(), top_.begin() + std::min(n, top_.size())};
  }

 private:
  std::vector<TrendingCounts> top_;
};

struct Metrics {
  double hr10 = 0, ndcg10 = 0, hr20 = 0;
  size_t users = 0;
  void Add(int rank) {  // -1 = not in the top 20.
    ++users;
    if (rank >= 0 && rank < 10) hr10 += 1, ndcg10 += 1 / std::log2(rank + 2.0);
    if (rank >= 0 && rank < 20) hr20 += 1;
  }
};

RecommendRequest RequestFor(const std::vector<std::string>& sequence) {
  RecommendRequest request{.limit = 20};
  const size_t history = sequence.size() - 1;  // Everything but the target.
  for (size_t i = history; i-- > 0;) {
    request.user_items.push_back(
        {sequence[i], EventType::kView, static_cast<int64_t>(i)});
    request.exclude.insert(sequence[i]);
  }
  return request;
}

int Run(const Args& args) {
  const Dataset data = Load(args);
  InteractionLog log;
  for (size_t u = 0; u < data.sequences.size(); ++u) {
    const auto& sequence = data.sequences[u];
    const uint32_t user = log.InternUser(std::to_string(u));
    for (size_t i = 0; i + 2 < sequence.size(); ++i) {
      log.Add(user, {log.items().Intern(sequence[i]), EventType::kView, int64_t(i)});
    }
  }
  // Items seen only as validation or test targets still exist in the catalog.
  for (const auto& sequence : data.sequences) {
    for (const auto& item : sequence) log.items().Intern(item);
  }
  std::fprintf(stderr, "recs_eval: %zu users, %zu items, %zu training interactions\n",
               data.sequences.size(), log.items().size(), log.interaction_count());

  TrainingOptions training;
  training.als.threads = 2;
  auto models = TrainedModels::Train(log, training, {.generation = 1});
  if (!models.ok()) {
    std::fprintf(stderr, "recs_eval: training failed: %s\n", models.status().ToString().c_str());
    return 2;
  }
  std::fprintf(stderr, "recs_eval: trained in %.2f s\n", (*models)->info().training_seconds);
  const std::vector<Product> catalog = Catalog(data);
  auto content = ContentIndex::Build({}, catalog);
  if (!content.ok()) {
    std::fprintf(stderr, "recs_eval: content index: %s\n", content.status().ToString().c_str());
    return 2;
  }
  Popularity popularity(log);
  RecommenderSettings settings;
  if (args.diversity >= 0) settings.diversity = args.diversity;
  Recommender recommender(settings, &popularity, nullptr);
  recommender.SetModels(*models);
  recommender.SetContent(std::shared_ptr<ContentIndex>(std::move(*content)));

  struct Row {
    const char* name;
    std::optional<RecommendationModel> only;
    Metrics metrics;
  };
  std::vector<Row> rows = {{"collaborative (ALS)", RecommendationModel::kCollaborative, {}},
                           {"content", RecommendationModel::kContent, {}},
                           {"behavioural (sequence)", RecommendationModel::kBehavioural, {}},
                           {"trending (popularity)", RecommendationModel::kTrending, {}},
                           {"blend", std::nullopt, {}}};
  const size_t users = args.users ? std::min(args.users, data.sequences.size())
                                  : data.sequences.size();
  for (size_t u = 0; u < users; ++u) {
    const auto& sequence = data.sequences[u];
    if (sequence.size() < 3) continue;
    RecommendRequest request = RequestFor(sequence);
    for (Row& row : rows) {
      if (args.blend_only && row.only) continue;
      request.only = row.only;
      auto recs = recommender.Recommend(request);
      if (!recs.ok()) {
        std::fprintf(stderr, "recs_eval: %s\n", recs.status().ToString().c_str());
        return 2;
      }
      int rank = -1;
      for (size_t r = 0; r < recs->size(); ++r) {
        if ((*recs)[r].product_id == sequence.back()) rank = static_cast<int>(r);
      }
      row.metrics.Add(rank);
    }
  }
  std::printf("%-26s %8s %8s %8s\n", "model (Beauty, full rank)", "HR@10", "NDCG@10", "HR@20");
  for (const Row& row : rows) {
    const Metrics& m = row.metrics;
    if (m.users == 0) continue;
    std::printf("%-26s %8.4f %8.4f %8.4f\n", row.name, m.hr10 / m.users, m.ndcg10 / m.users,
                m.hr20 / m.users);
  }
  std::printf("%-26s %8.4f %8.4f %8.4f\n", "published GRU4Rec", 0.0283, 0.0137, 0.0479);
  std::printf("%-26s %8.4f %8.4f %8.4f\n", "published SASRec", 0.0605, 0.0318, 0.0902);
  std::printf("%-26s %8.4f %8.4f %8s\n", "published ICLRec", 0.0744, 0.0403, "-");
  const Metrics& blend = rows.back().metrics;
  if (blend.hr10 / blend.users < args.min_hr10) {
    std::fprintf(stderr, "recs_eval: blend HR@10 %.4f is below the floor %.4f\n",
                 blend.hr10 / blend.users, args.min_hr10);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace aisle::ranking

int main(int argc, char** argv) {
  aisle::ranking::Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--data") args.data = argv[i + 1];
    else if (flag == "--users") args.users = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--min-hr10") args.min_hr10 = std::atof(argv[i + 1]);
    else if (flag == "--diversity") args.diversity = std::atof(argv[i + 1]);
    else if (flag == "--blend-only") args.blend_only = std::string(argv[i + 1]) == "true";
    else {
      std::fprintf(stderr, "usage: recs_eval [--data DIR] [--users N] [--min-hr10 X] [--diversity X] [--blend-only true]\n");
      return 2;
    }
  }
  return aisle::ranking::Run(args);
}
