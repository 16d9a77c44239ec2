#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "store/sqlite_internal.h"
#include "tests/testing/test_util.h"

namespace aisle::store::internal {
namespace {

using ::testing::HasSubstr;

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto connection = Connection::Open(dir_.Sub("c.db"), Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(connection.ok()) << connection.status();
    db_ = std::move(*connection);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT, d REAL, b BLOB, "
                          "n INTEGER CHECK (n >= 0))")
                    .ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<Connection> db_;
};

TEST_F(ConnectionTest, BindsAndReadsEveryType) {
  {
    auto insert = db_->Prepare("INSERT INTO t(k, s, d, b, n) VALUES (?1, ?2, ?3, ?4, ?5)");
    ASSERT_TRUE(insert.ok()) << insert.status();
    insert->Bind(1, int64_t{7});
    insert->Bind(2, std::string_view("h\0llo", 5));
    insert->Bind(3, 2.5);
    insert->BindBlob(4, std::string("\x00\xff", 2));
    insert->Bind(5, std::optional<int64_t>());
    ASSERT_TRUE(insert->Run().ok());
  }
  auto select = db_->Prepare("SELECT k, s, d, b, n FROM t");
  ASSERT_TRUE(select.ok());
  auto row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->Int64(0), 7);
  EXPECT_EQ(select->Text(1), std::string("h\0llo", 5));
  EXPECT_EQ(select->Double(2), 2.5);
  EXPECT_EQ(select->Blob(3), std::string("\x00\xff", 2));
  EXPECT_TRUE(select->IsNull(4));
  EXPECT_EQ(select->OptionalInt64(4), std::nullopt);
  EXPECT_EQ(select->OptionalDouble(2), 2.5);
  auto done = select->Step();
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
}

TEST_F(ConnectionTest, StaticTextIsBoundWithoutACopyAndCleared) {
  const std::string text = "borrowed";
  {
    auto insert = db_->Prepare("INSERT INTO t(k, s) VALUES (?1, ?2)");
    ASSERT_TRUE(insert.ok());
    insert->Bind(1, int64_t{1});
    insert->BindStatic(2, text);
    ASSERT_TRUE(insert->Run().ok());
  }
  {
    // The cached statement comes back with its bindings cleared.
    auto insert = db_->Prepare("INSERT INTO t(k, s) VALUES (?1, ?2)");
    ASSERT_TRUE(insert.ok());
    insert->Bind(1, int64_t{2});
    ASSERT_TRUE(insert->Run().ok());
  }
  auto text_of = db_->QueryText("SELECT group_concat(coalesce(s, 'NULL'), ',') FROM t");
  ASSERT_TRUE(text_of.ok());
  EXPECT_EQ(*text_of, "borrowed,NULL");
}

TEST_F(ConnectionTest, EmptyBlobIsNotNull) {
  {
    auto insert = db_->Prepare("INSERT INTO t(k, b) VALUES (1, ?1)");
    ASSERT_TRUE(insert.ok());
    insert->BindBlob(1, "");
    ASSERT_TRUE(insert->Run().ok());
  }
  auto text = db_->QueryText("SELECT typeof(b) FROM t");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "blob");
}

TEST_F(ConnectionTest, CachedStatementIsResetAndReusable) {
  for (int64_t k = 1; k <= 3; ++k) {
    auto insert = db_->Prepare("INSERT INTO t(k) VALUES (?1)");
    ASSERT_TRUE(insert.ok());
    insert->Bind(1, k);
    ASSERT_TRUE(insert->Run().ok());
  }
  auto count = db_->QueryText("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, "3");
}

TEST_F(ConnectionTest, NestedUseOfTheSameTextGetsItsOwnStatement) {
  ASSERT_TRUE(db_->Exec("INSERT INTO t(k) VALUES (1), (2)").ok());
  auto outer = db_->Prepare("SELECT k FROM t ORDER BY k");
  ASSERT_TRUE(outer.ok());
  ASSERT_TRUE(*outer->Step());
  {
    auto inner = db_->Prepare("SELECT k FROM t ORDER BY k");
    ASSERT_TRUE(inner.ok());
    ASSERT_TRUE(*inner->Step());
    EXPECT_EQ(inner->Int64(0), 1);
  }
  ASSERT_TRUE(*outer->Step());
  EXPECT_EQ(outer->Int64(0), 2);  // The outer cursor was not disturbed.
}

TEST_F(ConnectionTest, BadBindIndexIsReportedByStep) {
  auto insert = db_->Prepare("INSERT INTO t(k) VALUES (?1)");
  ASSERT_TRUE(insert.ok());
  insert->Bind(9, int64_t{1});
  const absl::Status status = insert->Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), HasSubstr("bind parameter 9"));
}

TEST_F(ConnectionTest, SqlErrorsCarrySqliteMessageAndMappedCode) {
  auto bad = db_->Prepare("SELEKT 1");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("syntax error"));

  ASSERT_TRUE(db_->Exec("INSERT INTO t(k) VALUES (1)").ok());
  const absl::Status duplicate = db_->Exec("INSERT INTO t(k) VALUES (1)");
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(duplicate.message()), HasSubstr("UNIQUE constraint failed"));

  auto check = db_->Prepare("INSERT INTO t(k, n) VALUES (2, -1)");
  ASSERT_TRUE(check.ok());
  const absl::Status violated = check->Run();
  EXPECT_EQ(violated.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(violated.message()), HasSubstr("CHECK constraint failed"));
}

TEST_F(ConnectionTest, EmptyStatementIsRejected) {
  EXPECT_EQ(db_->Prepare("  ").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConnectionOpenTest, ReadOnlyOpenOfMissingFileFails) {
  testing::TempDir dir;
  auto connection = Connection::Open(dir.Sub("missing.db"), Connection::Mode::kReadOnly, 1000);
  EXPECT_EQ(connection.status().code(), absl::StatusCode::kUnavailable);
}

TEST(ConnectionOpenTest, GarbageFileIsDataLoss) {
  testing::TempDir dir;
  const std::string path = dir.Sub("garbage.db");
  std::ofstream(path) << std::string(4096, 'x');
  auto connection = Connection::Open(path, Connection::Mode::kReadWrite, 1000);
  ASSERT_TRUE(connection.ok());  // SQLite opens lazily.
  const absl::Status status = (*connection)->Exec("SELECT * FROM sqlite_schema");
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST(SqliteStatusTest, MapsCodes) {
  EXPECT_EQ(SqliteStatus(SQLITE_BUSY, "m", "c").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_IOERR_FSYNC, "m", "c").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_FULL, "m", "c").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(SqliteStatus(SQLITE_CORRUPT, "m", "c").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SqliteStatus(SQLITE_CONSTRAINT_PRIMARYKEY, "m", "c").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(SqliteStatus(SQLITE_CONSTRAINT_FOREIGNKEY, "m", "c").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(SqliteStatus(SQLITE_MISUSE, "m", "c").code(), absl::StatusCode::kInternal);
  const absl::Status status = SqliteStatus(SQLITE_BUSY, "database is locked", "commit");
  EXPECT_EQ(status.message(), "store commit: database is locked (sqlite code 5)");
}

}  // namespace
}  // namespace aisle::store::internal
