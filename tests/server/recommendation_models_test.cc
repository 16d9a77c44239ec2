// The recommendation model lifecycle against the real store and index:
// training on stored events, persisted generations across restarts, corrupt
// state, model swaps under load, and catalog changes reaching the content
// index without a retraining.
#include "server/recommendation_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "base/product.h"
#include "commerce/demand_counters.h"
#include "index/product_index.h"
#include "ranking/recommender.h"
#include "ranking/searcher.h"
#include "server/catalog_handlers.h"
#include "server/http.h"
#include "server/recommendation_adapters.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

constexpr int kGroupProducts = 10;
constexpr int kGroupUsers = 20;
constexpr int64_t kDayMs = 24LL * 3600 * 1000;

// Polls `done` for up to 30 s (training runs on a background thread).
bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 3000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

std::string ProductId(char group, int i) { return std::string(1, group) + std::to_string(i); }

// Group 'a' is kitchenware by one brand, group 'b' garden tools by another:
// alike within a group, unlike across groups, for content and behaviour.
Product MakeProduct(char group, int i) {
  const bool a = group == 'a';
  Product product;
  product.id = ProductId(group, i);
  product.brand = a ? "Acme" : "Bolt";
  product.categories = a ? std::vector<std::string>{"Kitchen", "Cookware"}
                         : std::vector<std::string>{"Garden", "Tools"};
  product.title = a ? "Acme steel pan " + product.id : "Bolt garden rake " + product.id;
  product.price = 20 + i;
  return product;
}

// The real store and index in `dir` (reopened by a second World on the same
// directory), a fake clock and the demand counters trending reads.
struct World {
  explicit World(const aisle::testing::TempDir& dir) : dir(dir) {
    auto opened_store = store::Store::Open(store::StoreOptions{
        .path = dir.Sub("aisle.db"), .synchronous = store::SyncMode::kNormal, .clock = &clock});
    EXPECT_TRUE(opened_store.ok()) << opened_store.status();
    store = *std::move(opened_store);
    auto opened_index = index::ProductIndex::Open(index::IndexOptions{.path = dir.Sub("index")});
    EXPECT_TRUE(opened_index.ok()) << opened_index.status();
    index = *std::move(opened_index);
  }

  void AddCatalog() {
    std::vector<Product> products;
    for (char group : {'a', 'b'}) {
      for (int i = 0; i < kGroupProducts; ++i) products.push_back(MakeProduct(group, i));
    }
    ASSERT_TRUE(index->Upsert(products).ok());
  }

  // Each user of a group browses five of its products in turn and puts the
  // last in the cart.
  void AddEvents() {
    std::vector<Event> events;
    int64_t t = clock.NowMillis() - kDayMs;
    for (char group : {'a', 'b'}) {
      for (int u = 0; u < kGroupUsers; ++u) {
        const std::string user = std::string(1, group) + "-user-" + std::to_string(u);
        for (int k = 0; k < 5; ++k) {
          const int item = (u + k * 3) % kGroupProducts;
          events.push_back({.type = k == 4 ? EventType::kCartAdd : EventType::kView,
                            .user_id = user,
                            .session_id = user + "-s",
                            .product_id = ProductId(group, item),
                            .category = group == 'a' ? "Kitchen" : "Garden",
                            .timestamp_ms = t += 1000});
        }
      }
    }
    ASSERT_TRUE(store->events()->AppendEvents(events).get().ok());
  }

  std::unique_ptr<RecommendationModels> Open() {
    RecommendationModelsOptions options;
    options.dir = dir.Sub("vectors");
    auto models = RecommendationModels::Open(std::move(options), &clock, index.get(),
                                             store->events(), &demand);
    EXPECT_TRUE(models.ok()) << models.status();
    return models.ok() ? *std::move(models) : nullptr;
  }

  const aisle::testing::TempDir& dir;
  FakeClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<index::ProductIndex> index;
  commerce::DemandCounters demand{clock};
};

bool Trained(const RecommendationModels& models, uint64_t generation) {
  const ModelStatus status = models.Status();
  return status.generation == generation && !status.training;
}

// A session that looked at two kitchen products, newest first.
ranking::RecommendRequest GroupASession(size_t limit = 5) {
  ranking::RecommendRequest request;
  request.session_items = {{.product_id = "a3", .timestamp_ms = 2},
                           {.product_id = "a0", .timestamp_ms = 1}};
  request.limit = limit;
  return request;
}

std::vector<std::string> Ids(const std::vector<ranking::Recommendation>& recommendations) {
  std::vector<std::string> ids;
  for (const auto& r : recommendations) ids.push_back(r.product_id);
  return ids;
}

void ExpectAllOfGroupA(const std::vector<std::string>& ids) {
  ASSERT_FALSE(ids.empty());
  for (const std::string& id : ids) EXPECT_EQ(id[0], 'a') << id;
}

TEST(RecommendationModels, RecommendsTheSessionsGroupWhenTrainedOnTwoGroups) {
  aisle::testing::TempDir dir;
  World world(dir);
  world.AddCatalog();
  world.AddEvents();
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  EXPECT_FALSE(models->Status().trained);
  models->Start();
  ASSERT_TRUE(WaitFor([&] { return Trained(*models, 1); })) << models->Status().last_error;

  const ModelStatus status = models->Status();
  EXPECT_TRUE(status.trained);
  EXPECT_EQ(status.users, 2u * kGroupUsers);
  EXPECT_EQ(status.items, 2u * kGroupProducts);
  EXPECT_EQ(status.interactions, 2u * kGroupUsers * 5);
  EXPECT_EQ(status.trained_at_ms, world.clock.NowMillis());
  EXPECT_EQ(status.content_items, 2u * kGroupProducts);
  EXPECT_EQ(status.last_error, "");
  EXPECT_GT(status.next_training_ms, world.clock.NowMillis());

  auto blended = models->recommender()->Recommend(GroupASession());
  ASSERT_TRUE(blended.ok()) << blended.status();
  ExpectAllOfGroupA(Ids(*blended));
  // Each trained model alone, without diversification: it would let a
  // weakly scored item of the other group (unlike the picks) in by design.
  ranking::RecommenderSettings settings = models->recommender()->settings();
  settings.diversity = 0;
  models->recommender()->SetSettings(settings);
  for (ranking::RecommendationModel only :
       {ranking::RecommendationModel::kCollaborative, ranking::RecommendationModel::kBehavioural}) {
    ranking::RecommendRequest request = GroupASession();
    request.only = only;
    auto one = models->recommender()->Recommend(request);
    ASSERT_TRUE(one.ok()) << one.status();
    SCOPED_TRACE(std::string(ranking::RecommendationModelName(only)));
    ExpectAllOfGroupA(Ids(*one));
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "vectors" / "models-1"));
}

TEST(RecommendationModels, ServesThePersistedModelWhenReopenedBeforeAnyTraining) {
  aisle::testing::TempDir dir;
  {
    World world(dir);
    world.AddCatalog();
    world.AddEvents();
    auto models = world.Open();
    ASSERT_NE(models, nullptr);
    models->Start();
    ASSERT_TRUE(WaitFor([&] { return Trained(*models, 1); }));
  }
  World world(dir);
  auto models = world.Open();  // Not started: no training can have run.
  ASSERT_NE(models, nullptr);
  const ModelStatus status = models->Status();
  EXPECT_TRUE(status.trained);
  EXPECT_EQ(status.generation, 1u);
  EXPECT_EQ(status.items, 2u * kGroupProducts);
  // The next training keeps the period of the persisted one.
  EXPECT_EQ(status.next_training_ms, status.trained_at_ms + 6 * 3600 * 1000);
  ranking::RecommendRequest request = GroupASession();
  request.only = ranking::RecommendationModel::kCollaborative;
  auto recommendations = models->recommender()->Recommend(request);
  ASSERT_TRUE(recommendations.ok()) << recommendations.status();
  ExpectAllOfGroupA(Ids(*recommendations));
}

// Trains generation 1, lets `damage` break the persisted state, reopens:
// the object opens without a model and trains generation 2 at once.
void ExpectRetrainsAfter(const std::function<void(const std::filesystem::path&)>& damage) {
  aisle::testing::TempDir dir;
  {
    World world(dir);
    world.AddCatalog();
    world.AddEvents();
    auto models = world.Open();
    ASSERT_NE(models, nullptr);
    models->Start();
    ASSERT_TRUE(WaitFor([&] { return Trained(*models, 1); }));
  }
  damage(dir.path() / "vectors");
  World world(dir);
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  EXPECT_FALSE(models->Status().trained);
  EXPECT_LE(models->Status().next_training_ms, world.clock.NowMillis());
  models->Start();
  ASSERT_TRUE(WaitFor([&] { return Trained(*models, 2); })) << models->Status().last_error;
  EXPECT_EQ(models->Status().last_error, "");
  auto recommendations = models->recommender()->Recommend(GroupASession());
  ASSERT_TRUE(recommendations.ok()) << recommendations.status();
  ExpectAllOfGroupA(Ids(*recommendations));
  // The new generation is the one CURRENT names now.
  std::ifstream current(dir.path() / "vectors" / "CURRENT");
  std::string name;
  current >> name;
  EXPECT_EQ(name, "models-2");
}

TEST(RecommendationModels, OpensAndTrainsAnewWhenCurrentIsCorrupt) {
  ExpectRetrainsAfter([](const std::filesystem::path& vectors) {
    std::ofstream(vectors / "CURRENT", std::ios::trunc) << "\x01garbage";
  });
}

TEST(RecommendationModels, OpensAndTrainsAnewWhenTheModelFileIsCorrupt) {
  ExpectRetrainsAfter([](const std::filesystem::path& vectors) {
    const auto file = vectors / "models-1" / "models.bin";
    ASSERT_TRUE(std::filesystem::exists(file));
    std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  });
}

TEST(RecommendationModels, ReportsNoModelAndNoErrorWhenThereAreNoEvents) {
  aisle::testing::TempDir dir;
  World world(dir);
  world.AddCatalog();
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  models->Start();
  ASSERT_TRUE(WaitFor([&] {
    const ModelStatus status = models->Status();
    return !status.training && status.next_training_ms > world.clock.NowMillis();
  }));
  const ModelStatus status = models->Status();
  EXPECT_FALSE(status.trained);
  EXPECT_EQ(status.generation, 0u);
  EXPECT_EQ(status.last_error, "");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "vectors" / "CURRENT"));
}

TEST(RecommendationModels, SwapsModelsSafelyWhenRequestsRunDuringTrainings) {
  aisle::testing::TempDir dir;
  World world(dir);
  world.AddCatalog();
  world.AddEvents();
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  models->Start();
  ASSERT_TRUE(WaitFor([&] { return Trained(*models, 1); }));

  std::atomic<bool> stop = false;
  std::atomic<int> errors = 0;
  std::atomic<int> served = 0;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        auto recommendations = models->recommender()->Recommend(GroupASession());
        if (!recommendations.ok() || recommendations->empty()) ++errors;
        auto similar = models->recommender()->Similar("b2", 5, {});
        if (!similar.ok()) ++errors;
        ++served;
      }
    });
  }
  for (uint64_t generation = 2; generation <= 4; ++generation) {
    ASSERT_TRUE(models->RequestTraining());
    EXPECT_FALSE(models->RequestTraining());  // Coalesced into the one pending.
    ASSERT_TRUE(WaitFor([&] { return Trained(*models, generation); }))
        << models->Status().last_error;
  }
  stop = true;
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(served.load(), 0);
  EXPECT_EQ(models->Status().generation, 4u);
  // Generations 3 (the previous) and 4 (the current) stay on disk.
  const auto vectors = dir.path() / "vectors";
  EXPECT_FALSE(std::filesystem::exists(vectors / "models-1"));
  EXPECT_FALSE(std::filesystem::exists(vectors / "models-2"));
  EXPECT_TRUE(std::filesystem::exists(vectors / "models-3"));
  EXPECT_TRUE(std::filesystem::exists(vectors / "models-4"));
}

TEST(RecommendationModels, FindsAddedAndNeverShowsDeletedProductsWithoutRetraining) {
  aisle::testing::TempDir dir;
  World world(dir);
  world.AddCatalog();
  world.AddEvents();
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  models->Start();
  ASSERT_TRUE(WaitFor([&] { return Trained(*models, 1); }));
  ASSERT_TRUE(WaitFor([&] { return models->Status().content_items == 2u * kGroupProducts; }));
  ranking::Recommender& recommender = *models->recommender();
  EXPECT_FALSE(recommender.Similar("a-new", 5, {}).ok());

  const Product added = [] {
    Product product = MakeProduct('a', 99);
    product.id = "a-new";
    return product;
  }();
  ASSERT_TRUE(world.index->Upsert({added}).ok());
  models->OnProductsChanged({added});
  ASSERT_TRUE(world.index->Delete({"a1"}).ok());
  models->OnProductsDeleted({"a1"});

  EXPECT_EQ(models->Status().generation, 1u);  // No training ran.
  EXPECT_EQ(models->Status().content_items, 2u * kGroupProducts);
  auto similar = recommender.Similar("a-new", 20, {});
  ASSERT_TRUE(similar.ok()) << similar.status();
  ExpectAllOfGroupA(Ids(*similar));
  ranking::RecommendRequest request = GroupASession(20);
  request.only = ranking::RecommendationModel::kContent;
  auto content = recommender.Recommend(request);
  ASSERT_TRUE(content.ok()) << content.status();
  const std::vector<std::string> ids = Ids(*content);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "a-new"), ids.end());
  auto blended = recommender.Recommend(GroupASession(20));
  ASSERT_TRUE(blended.ok());
  for (const auto* list : {&*similar, &*content, &*blended}) {
    for (const std::string& id : Ids(*list)) EXPECT_NE(id, "a1");
  }
  EXPECT_FALSE(recommender.content()->VectorOf("a1").has_value());

  // Also in the index refitted by the next training.
  ASSERT_TRUE(models->RequestTraining());
  ASSERT_TRUE(WaitFor([&] { return Trained(*models, 2); }));
  EXPECT_TRUE(recommender.content()->VectorOf("a-new").has_value());
  EXPECT_FALSE(recommender.content()->VectorOf("a1").has_value());
}


// `id` appears in none of a group-A session's lists: each model alone, the
// blend, and "similar" to a0.
void ExpectNeverShown(const ranking::Recommender& recommender, const std::string& id) {
  std::vector<std::vector<ranking::Recommendation>> lists;
  for (ranking::RecommendationModel only :
       {ranking::RecommendationModel::kCollaborative, ranking::RecommendationModel::kContent,
        ranking::RecommendationModel::kBehavioural}) {
    ranking::RecommendRequest request = GroupASession(20);
    request.only = only;
    auto one = recommender.Recommend(request);
    ASSERT_TRUE(one.ok());
    lists.push_back(*one);
  }
  auto blended = recommender.Recommend(GroupASession(20));
  ASSERT_TRUE(blended.ok());
  lists.push_back(*blended);
  auto similar = recommender.Similar("a0", 20, {});
  ASSERT_TRUE(similar.ok());
  lists.push_back(*similar);
  for (const auto& list : lists) {
    ASSERT_FALSE(list.empty());
    for (const std::string& shown : Ids(list)) EXPECT_NE(shown, id);
  }
}

TEST(RecommendationModels, NeverShowsAProductWhenItIsOutOfStock) {
  aisle::testing::TempDir dir;
  World world(dir);
  world.AddCatalog();
  world.AddEvents();
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  models->Start();
  ASSERT_TRUE(WaitFor([&] { return Trained(*models, 1); }));
  ASSERT_TRUE(WaitFor([&] { return models->Status().content_items > 0; }));
  ranking::Recommender& recommender = *models->recommender();
  auto before = recommender.Recommend(GroupASession(20));
  ASSERT_TRUE(before.ok());
  const std::vector<std::string> before_ids = Ids(*before);
  ASSERT_NE(std::find(before_ids.begin(), before_ids.end(), "a2"), before_ids.end());

  ASSERT_TRUE(world.index->UpdateSignals({{.product_id = "a2", .stock = 0}}).ok());
  ExpectNeverShown(recommender, "a2");
}

TEST(IndexAvailability, RefusesAProductWhenItIsHiddenAndAcceptsItWhenUnhidden) {
  aisle::testing::TempDir dir;
  World world(dir);
  Product hidden = MakeProduct('a', 0);
  hidden.hidden = true;
  ASSERT_TRUE(world.index->Upsert({hidden, MakeProduct('a', 1)}).ok());
  const IndexAvailability availability(world.index.get());
  EXPECT_FALSE(availability.Recommendable("a0"));
  EXPECT_TRUE(availability.Recommendable("a1"));
  EXPECT_FALSE(availability.Recommendable("missing"));
  ProductPatch show;
  show.hidden = false;
  ASSERT_TRUE(world.index->Patch("a0", show).ok());
  EXPECT_TRUE(availability.Recommendable("a0"));
  ProductPatch hide;
  hide.hidden = true;
  ASSERT_TRUE(world.index->Patch("a1", hide).ok());
  EXPECT_FALSE(availability.Recommendable("a1"));
}

TEST(RecommendationModels, NeverShowsAProductWhenItIsHidden) {
  aisle::testing::TempDir dir;
  World world(dir);
  world.AddCatalog();
  world.AddEvents();
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  models->Start();
  ASSERT_TRUE(WaitFor([&] { return Trained(*models, 1); }));
  ASSERT_TRUE(WaitFor([&] { return models->Status().content_items > 0; }));
  ranking::Recommender& recommender = *models->recommender();
  auto before = recommender.Recommend(GroupASession(20));
  ASSERT_TRUE(before.ok());
  const std::vector<std::string> before_ids = Ids(*before);
  ASSERT_NE(std::find(before_ids.begin(), before_ids.end(), "a2"), before_ids.end());

  ProductPatch hide;
  hide.hidden = true;
  auto patched = world.index->Patch("a2", hide);
  ASSERT_TRUE(patched.ok()) << patched.status();
  models->OnProductsChanged({*patched});
  ExpectNeverShown(recommender, "a2");
}

TEST(RecommendationModels, FollowsCatalogRoutesWhenWiredAsTheirListener) {
  aisle::testing::TempDir dir;
  World world(dir);
  world.AddCatalog();
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  models->Start();
  ASSERT_TRUE(WaitFor([&] { return models->Status().content_items == 2u * kGroupProducts; }));
  ranking::Searcher searcher(world.index.get());
  CatalogHandlersOptions options;
  options.on_upserted = [&](const std::vector<Product>& products) {
    models->OnProductsChanged(products);
  };
  options.on_deleted = [&](const std::vector<std::string>& ids) { models->OnProductsDeleted(ids); };
  CatalogHandlers catalog(world.index.get(), &searcher, nullptr, options);
  auto content = [&] { return models->recommender()->content(); };

  Request ingest{.method = "POST",
                 .body = R"([{"id": "a-new", "title": "Acme steel pan", "brand": "Acme",
                              "categories": ["Kitchen", "Cookware"], "price": 21}])"};
  const Response ingested_response = catalog.IngestProducts(ingest);
  ASSERT_EQ(ingested_response.status, 200) << ingested_response.body;
  const std::optional<std::vector<float>> ingested = content()->VectorOf("a-new");
  ASSERT_TRUE(ingested.has_value());

  Request patch{.method = "PATCH",
                .body = R"({"brand": "Bolt", "categories": ["Garden", "Tools"]})",
                .path_params = {{"id", "a-new"}}};
  const Response patched = catalog.PatchProduct(patch);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_NE(content()->VectorOf("a-new"), ingested);  // Re-encoded as stored.

  Request remove{.method = "DELETE", .path_params = {{"id", "a-new"}}};
  ASSERT_EQ(catalog.DeleteProduct(remove).status, 200);
  EXPECT_FALSE(content()->VectorOf("a-new").has_value());
  Request batch{.method = "POST", .body = R"(["a1", "b1"])"};
  ASSERT_EQ(catalog.DeleteProducts(batch).status, 200);
  EXPECT_FALSE(content()->VectorOf("a1").has_value());
  EXPECT_FALSE(content()->VectorOf("b1").has_value());
  EXPECT_TRUE(content()->VectorOf("a2").has_value());
}

TEST(RecommendationModels, RemembersRecentActivityWhenEventsAreAccepted) {
  aisle::testing::TempDir dir;
  World world(dir);
  auto models = world.Open();
  ASSERT_NE(models, nullptr);
  const int64_t now = world.clock.NowMillis();
  models->Accept(
      {{.type = EventType::kView,
        .user_id = "u",
        .session_id = "s",
        .product_id = "a1",
        .timestamp_ms = now - 2},
       {.type = EventType::kPurchase,
        .user_id = "u",
        .session_id = "s",
        .product_id = "a2",
        .timestamp_ms = now - 1},
       {.type = EventType::kSearch, .user_id = "u", .session_id = "s", .timestamp_ms = now}});
  const auto items = models->activity()->SessionItems("s", 10);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].product_id, "a2");
  EXPECT_EQ(models->activity()->Purchased("u"), std::vector<std::string>{"a2"});
}

}  // namespace
}  // namespace aisle::server
