#include "ranking/sequence_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/status_expect.h"

namespace aisle::ranking {
namespace {

using ::aisle::testing::ExpectInvalid;

constexpr int64_t kHour = 3600 * 1000;

// Adds one shopper who met `items` in this order, one minute apart.
void AddShopper(InteractionLog* log, const std::string& user, const std::vector<std::string>& items,
                EventType type = EventType::kView, int64_t start_ms = 1'000'000) {
  int64_t t = start_ms;
  for (const std::string& item : items) {
    log->Add(Event{.type = type, .user_id = user, .session_id = "s-" + user, .product_id = item,
                   .timestamp_ms = t});
    t += 60 * 1000;
  }
}

uint32_t Ord(const InteractionLog& log, const std::string& id) { return *log.items().Find(id); }

float WeightOf(std::span<const Neighbor> row, uint32_t item) {
  for (const Neighbor& n : row) {
    if (n.item == item) return n.weight;
  }
  return 0;
}

TEST(SequenceModel, NextItemIsTheStrongestNeighbourWhenShoppersFollowOneOrder) {
  InteractionLog log;
  for (int u = 0; u < 6; ++u) AddShopper(&log, "u" + std::to_string(u), {"a", "b", "c"});
  AddShopper(&log, "odd", {"a", "c"});
  const SequenceModel model = SequenceModel::Train(log, {});
  const auto next = model.Next(Ord(log, "a"));
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(next.front().item, Ord(log, "b"));
  EXPECT_FLOAT_EQ(next.front().weight, 1.0f);  // Rows are scaled to their best.
  // c follows a too: six times two steps later (0.8 each), once directly.
  EXPECT_GT(WeightOf(next, Ord(log, "c")), 0);
  EXPECT_LT(WeightOf(next, Ord(log, "c")), 1);
}

TEST(SequenceModel, BackwardPairsWeighLessThanForwardPairs) {
  InteractionLog log;
  for (int u = 0; u < 3; ++u) AddShopper(&log, "u" + std::to_string(u), {"x", "y"});
  AddShopper(&log, "v", {"y", "z"});
  const SequenceModel model = SequenceModel::Train(log, {.backward = 0.5f});
  // From y: z followed it once (1.0), x preceded it three times (3 * 0.5).
  const auto from_y = model.Next(Ord(log, "y"));
  EXPECT_FLOAT_EQ(WeightOf(from_y, Ord(log, "x")), 1.0f);
  EXPECT_NEAR(WeightOf(from_y, Ord(log, "z")), 1.0f / 1.5f, 1e-6);
  const SequenceModel forward_only = SequenceModel::Train(log, {.backward = 0});
  EXPECT_EQ(WeightOf(forward_only.Next(Ord(log, "y")), Ord(log, "x")), 0);
}

TEST(SequenceModel, WindowLimitsHowFarAheadPairsCount) {
  InteractionLog log;
  AddShopper(&log, "u", {"a", "b", "c", "d"});
  const SequenceModel model = SequenceModel::Train(log, {.window = 2, .backward = 0});
  const auto from_a = model.Next(Ord(log, "a"));
  EXPECT_GT(WeightOf(from_a, Ord(log, "c")), 0);
  EXPECT_EQ(WeightOf(from_a, Ord(log, "d")), 0);
  EXPECT_NEAR(WeightOf(from_a, Ord(log, "c")), 0.8f, 1e-6);  // gap_decay^(2-1).
}

TEST(SequenceModel, RepeatedViewsOfOneItemCollapseIntoOneStep) {
  InteractionLog log;
  AddShopper(&log, "u", {"a", "a", "a", "b"});
  const SequenceModel model = SequenceModel::Train(log, {.backward = 0});
  EXPECT_EQ(WeightOf(model.Next(Ord(log, "a")), Ord(log, "a")), 0);
  EXPECT_FLOAT_EQ(WeightOf(model.Next(Ord(log, "a")), Ord(log, "b")), 1.0f);
}

TEST(SequenceModel, ScoreDecaysOlderHistoryItems) {
  InteractionLog log;
  AddShopper(&log, "u1", {"a", "x"});
  AddShopper(&log, "u2", {"b", "y"});
  const SequenceModel model = SequenceModel::Train(log, {.backward = 0, .decay = 0.5f});
  absl::flat_hash_map<uint32_t, float> scores;
  const std::vector<uint32_t> newest_first = {Ord(log, "a"), Ord(log, "b")};
  model.Score(newest_first, &scores);
  EXPECT_FLOAT_EQ(scores[Ord(log, "x")], 1.0f);
  EXPECT_FLOAT_EQ(scores[Ord(log, "y")], 0.5f);
}

TEST(SequenceModel, ScoreReadsOnlyTheSessionLength) {
  InteractionLog log;
  AddShopper(&log, "u1", {"a", "x"});
  AddShopper(&log, "u2", {"b", "y"});
  const SequenceModel model = SequenceModel::Train(log, {.backward = 0, .session_length = 1});
  absl::flat_hash_map<uint32_t, float> scores;
  const std::vector<uint32_t> newest_first = {Ord(log, "a"), Ord(log, "b")};
  model.Score(newest_first, &scores);
  EXPECT_TRUE(scores.contains(Ord(log, "x")));
  EXPECT_FALSE(scores.contains(Ord(log, "y")));
}

TEST(SequenceModel, MaxNeighborsKeepsTheStrongest) {
  InteractionLog log;
  for (int u = 0; u < 3; ++u) AddShopper(&log, "u" + std::to_string(u), {"a", "best"});
  AddShopper(&log, "w", {"a", "weak"});
  const SequenceModel model = SequenceModel::Train(log, {.backward = 0, .max_neighbors = 1});
  ASSERT_EQ(model.Next(Ord(log, "a")).size(), 1u);
  EXPECT_EQ(model.Next(Ord(log, "a"))[0].item, Ord(log, "best"));
}

TEST(SequenceModel, BoughtTogetherCountsBasketsWithinTheWindowOnly) {
  InteractionLog log;
  // Two shoppers buy phone + case the same day; one buys a charger a week later.
  AddShopper(&log, "u1", {"phone", "case"}, EventType::kPurchase);
  AddShopper(&log, "u2", {"phone", "case"}, EventType::kCartAdd);
  AddShopper(&log, "u1", {"charger"}, EventType::kPurchase, 1'000'000 + 7 * 24 * kHour);
  // Views are not baskets.
  AddShopper(&log, "u3", {"phone", "tv"}, EventType::kView);
  const SequenceModel model = SequenceModel::Train(log, {});
  const auto together = model.BoughtTogether(Ord(log, "phone"));
  ASSERT_EQ(together.size(), 1u);
  EXPECT_EQ(together[0].item, Ord(log, "case"));
  EXPECT_FLOAT_EQ(together[0].weight, 1.0f);  // 2 / sqrt(2 * 2).
}

TEST(SequenceModel, SerializeRoundTripsAndRejectsCorruptInput) {
  InteractionLog log;
  AddShopper(&log, "u1", {"a", "b", "c"}, EventType::kPurchase);
  AddShopper(&log, "u2", {"c", "a"});
  const SequenceModel model = SequenceModel::Train(log, {.window = 3});
  const std::string bytes = model.Serialize();
  auto parsed = SequenceModel::Deserialize(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const SequenceModel& back = *parsed;
  EXPECT_EQ(back.options(), model.options());
  EXPECT_EQ(back.Serialize(), bytes);
  for (uint32_t i = 0; i < log.items().size(); ++i) {
    ASSERT_EQ(back.Next(i).size(), model.Next(i).size());
    ASSERT_EQ(back.BoughtTogether(i).size(), model.BoughtTogether(i).size());
  }
  EXPECT_EQ(SequenceModel::Deserialize("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SequenceModel::Deserialize(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  std::string flipped = bytes;
  flipped[0] = 'X';
  EXPECT_EQ(SequenceModel::Deserialize(flipped).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SequenceModel::Deserialize(bytes + "junk").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SequenceModel, ValidateNamesTheBadField) {
  EXPECT_TRUE(ValidateSequenceOptions({}).ok());
  ExpectInvalid(ValidateSequenceOptions({.window = 0}), "window");
  ExpectInvalid(ValidateSequenceOptions({.gap_decay = 0}), "gapDecay");
  ExpectInvalid(ValidateSequenceOptions({.backward = -1}), "backward");
  ExpectInvalid(ValidateSequenceOptions({.max_neighbors = 0}), "maxNeighbors");
  ExpectInvalid(ValidateSequenceOptions({.session_length = 0}), "sessionLength");
  ExpectInvalid(ValidateSequenceOptions({.decay = 1.5f}), "decay");
}

TEST(SequenceModel, EmptyLogTrainsAnEmptyModel) {
  InteractionLog log;
  const SequenceModel model = SequenceModel::Train(log, {});
  EXPECT_EQ(model.items(), 0u);
  EXPECT_TRUE(model.Next(7).empty());
  absl::flat_hash_map<uint32_t, float> scores;
  const std::vector<uint32_t> unknown = {7};
  model.Score(unknown, &scores);
  EXPECT_TRUE(scores.empty());
}

}  // namespace
}  // namespace aisle::ranking
