#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "store/migrations_internal.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::store::internal {
namespace {

using ::testing::HasSubstr;

constexpr Migration kV1{1, "things", "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)"};
constexpr Migration kV2{2, "things_price",
                        "ALTER TABLE things ADD COLUMN price REAL NOT NULL DEFAULT 0;"
                        "UPDATE things SET price = length(name);"};
constexpr Migration kBroken{3, "broken",
                            "CREATE TABLE partial (x INTEGER); INSERT INTO nowhere VALUES (1);"};

class MigrationsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Connection> OpenDb() {
    auto connection = Connection::Open(dir_.Sub("m.db"), Connection::Mode::kReadWrite, 1000);
    EXPECT_TRUE(connection.ok()) << connection.status();
    return std::move(*connection);
  }

  std::string Text(Connection& db, const std::string& sql) {
    auto text = db.QueryText(sql);
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? *text : "";
  }

  testing::TempDir dir_;
};

TEST_F(MigrationsTest, FreshDatabaseGetsEveryStepRecorded) {
  auto db = OpenDb();
  const std::vector<Migration> steps = {kV1, kV2};
  auto version = ApplyMigrations(*db, steps, 123);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(Text(*db,
                 "SELECT group_concat(version || ':' || name || ':' || applied_at_ms, ',') "
                 "FROM schema_migrations"),
            "1:things:123,2:things_price:123");
}

TEST_F(MigrationsTest, UpgradeAppliesOnlyNewStepsAndKeepsData) {
  {
    auto db = OpenDb();
    const std::vector<Migration> old_binary = {kV1};
    ASSERT_EQ(*ApplyMigrations(*db, old_binary, 1), 1);
    ASSERT_TRUE(db->Exec("INSERT INTO things(id, name) VALUES (1, 'lamp'), (2, 'sofa')").ok());
  }
  auto db = OpenDb();
  // v1 re-run would fail ("table things already exists"): only v2 may run.
  const std::vector<Migration> new_binary = {kV1, kV2};
  auto version = ApplyMigrations(*db, new_binary, 2);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(Text(*db, "SELECT group_concat(name || '=' || price, ',') FROM things ORDER BY id"),
            "lamp=4.0,sofa=4.0");
  EXPECT_EQ(Text(*db, "SELECT group_concat(applied_at_ms, ',') FROM schema_migrations"), "1,2");
  // Re-opening at the same version runs nothing.
  EXPECT_EQ(*ApplyMigrations(*db, new_binary, 3), 2);
  EXPECT_EQ(Text(*db, "SELECT count(*) FROM schema_migrations"), "2");
}

TEST_F(MigrationsTest, FailingStepRollsBackAndLeavesPreviousVersion) {
  auto db = OpenDb();
  const std::vector<Migration> steps = {kV1, kV2, kBroken};
  auto version = ApplyMigrations(*db, steps, 1);
  EXPECT_FALSE(version.ok());
  EXPECT_THAT(std::string(version.status().message()),
              HasSubstr("schema migration 3 (broken) failed"));
  EXPECT_THAT(std::string(version.status().message()), HasSubstr("no such table: nowhere"));
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(*SchemaVersion(*db), 2);
  // The step's first statement was rolled back with it.
  EXPECT_EQ(Text(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'partial'"), "0");
}

TEST_F(MigrationsTest, DatabaseFromANewerBinaryIsRefused) {
  auto db = OpenDb();
  const std::vector<Migration> newer = {kV1, kV2};
  ASSERT_TRUE(ApplyMigrations(*db, newer, 1).ok());
  const std::vector<Migration> older = {kV1};
  auto version = ApplyMigrations(*db, older, 1);
  EXPECT_EQ(version.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(version.status().message()), HasSubstr("version 2"));
}

TEST_F(MigrationsTest, OutOfOrderListIsRefused) {
  auto db = OpenDb();
  const std::vector<Migration> steps = {kV2, kV1};
  EXPECT_EQ(ApplyMigrations(*db, steps, 1).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MigrationsTest, AisleSchemaIsStrictlyOrderedFromOne) {
  const auto steps = AisleMigrations();
  ASSERT_FALSE(steps.empty());
  for (size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i].version, static_cast<int>(i + 1));
}

// The real schema: a database left at version 1 by an older aisle is upgraded
// by Store::Open and its events are still readable.
TEST_F(MigrationsTest, StoreOpenUpgradesAnOlderAisleDatabaseKeepingItsEvents) {
  {
    auto db = OpenDb();
    ASSERT_TRUE(db->Exec("PRAGMA journal_mode = WAL").ok());
    ASSERT_EQ(*ApplyMigrations(*db, AisleMigrations().first(1), 1), 1);
    ASSERT_TRUE(db->Exec("INSERT INTO events(ts_ms, type, user_id, session_id, product_id, "
                         "category, brand, price, query) VALUES "
                         "(1000, 3, 'u1', 's1', 'p1', 'tv', 'acme', 99.5, '')")
                    .ok());
    EXPECT_EQ(Text(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'settings'"), "0");
  }
  auto store = Store::Open(StoreOptions{.path = dir_.Sub("m.db")});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Stats().schema_version, static_cast<int>(AisleMigrations().size()));
  auto events = (*store)->events()->RecentEventsForUser("u1", 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, EventType::kPurchase);
  EXPECT_EQ((*events)[0].metadata.price, 99.5);
  // Tables of later steps exist and work.
  ASSERT_TRUE((*store)->settings()->Put("k", "{}").get().ok());
  EXPECT_EQ(*(*store)->settings()->Get("k"), std::optional<std::string>("{}"));
}

}  // namespace
}  // namespace aisle::store::internal
