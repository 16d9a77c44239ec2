// SettingsStore and ProfileStore over a real aisle.db.
#include "store/kv_stores.h"

#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace aisle::store {
namespace {

class KvStoresTest : public testing::StoreTest {};

TEST_F(KvStoresTest, SettingsRoundTripAndSurviveReopen) {
  SettingsStore& settings = *store_->settings();
  EXPECT_EQ(*settings.Get("ranking"), std::nullopt);
  ASSERT_TRUE(settings.Put("ranking", R"({"w":1})").get().ok());
  ASSERT_TRUE(settings.Put("ranking", R"({"w":2,"name":"é"})").get().ok());
  ASSERT_TRUE(settings.Put("other", "[]").get().ok());
  Reopen();
  EXPECT_EQ(*store_->settings()->Get("ranking"),
            std::optional<std::string>(R"({"w":2,"name":"é"})"));
  EXPECT_EQ(*store_->settings()->Get("other"), std::optional<std::string>("[]"));
}

TEST_F(KvStoresTest, BadSettingsAreRejected) {
  SettingsStore& settings = *store_->settings();
  const absl::Status empty_key = settings.Put("", "{}").get();
  EXPECT_EQ(empty_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(empty_key), "key");
  const absl::Status bad_value = settings.Put("k", "{\"a\":\"\xff\"}").get();
  EXPECT_EQ(bad_value.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(bad_value), "value");
  EXPECT_EQ(ErrorPosition(bad_value), 6u);
  EXPECT_EQ(*settings.Get("k"), std::nullopt);
}

TEST_F(KvStoresTest, ProfilesRoundTripBinaryBlobs) {
  ProfileStore& profiles = *store_->profiles();
  const std::string blob("\x00\x01\xff\xfe profile", 12);
  EXPECT_EQ(*profiles.Get("u1"), std::nullopt);
  ASSERT_TRUE(profiles.Put("u1", "first").get().ok());
  ASSERT_TRUE(profiles.Put("u1", blob).get().ok());
  ASSERT_TRUE(profiles.Put("u2", "").get().ok());
  Reopen();
  EXPECT_EQ(*store_->profiles()->Get("u1"), std::optional<std::string>(blob));
  EXPECT_EQ(*store_->profiles()->Get("u2"), std::optional<std::string>(""));
}

TEST_F(KvStoresTest, DeleteProfileReportsWhetherItExisted) {
  ProfileStore& profiles = *store_->profiles();
  ASSERT_TRUE(profiles.Put("u1", "x").get().ok());
  EXPECT_EQ(*profiles.Delete("u1").get(), true);
  EXPECT_EQ(*profiles.Delete("u1").get(), false);
  EXPECT_EQ(*profiles.Get("u1"), std::nullopt);
}

TEST_F(KvStoresTest, BadUserIdsAreRejected) {
  ProfileStore& profiles = *store_->profiles();
  EXPECT_EQ(profiles.Put("", "x").get().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(profiles.Put("u\xc0", "x").get().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(profiles.Delete("").get().status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aisle::store
