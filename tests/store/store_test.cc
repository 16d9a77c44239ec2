// Store::Open, options, concurrency of readers and the writer, and the
// kill -9 durability proof.
#include "store/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/migrations_internal.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_stores_internal.h"
#include "tests/store/store_test_util.h"

namespace aisle::store {
namespace {

using ::aisle::store::testing::MakeEvent;
using ::testing::HasSubstr;

TEST(StoreOpenTest, RejectsBadOptions) {
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("aisle.db");
  EXPECT_EQ(Store::Open({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Store::Open({.path = path, .busy_timeout_ms = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Store::Open({.path = path, .read_connections = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Store::Open({.path = path, .max_jobs_per_transaction = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Store::Open({.path = path, .max_pending_jobs = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(StoreOpenTest, CreatesParentDirectoriesAndUsesWal) {
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("data/nested/aisle.db");
  auto store = Store::Open({.path = path});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Stats().schema_version, static_cast<int>(internal::AisleMigrations().size()));
  auto probe = internal::Connection::Open(path, internal::Connection::Mode::kReadOnly, 1000);
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(*(*probe)->QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
}

TEST(StoreOpenTest, GarbageFileIsDataLoss) {
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("aisle.db");
  std::ofstream(path) << std::string(8192, 'g');
  auto store = Store::Open({.path = path});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
}

TEST(StoreOpenTest, DirectoryInsteadOfFileFails) {
  aisle::testing::TempDir dir;
  auto store = Store::Open({.path = dir.path().string()});
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("store"));
}

TEST(StoreOpenTest, NewerSchemaIsRefused) {
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("aisle.db");
  ASSERT_TRUE(Store::Open({.path = path}).ok());
  {
    auto db = internal::Connection::Open(path, internal::Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)").ok());
  }
  auto store = Store::Open({.path = path});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
}

TEST(StoreOpenTest, NormalSyncModeWorksToo) {
  aisle::testing::TempDir dir;
  auto store = Store::Open({.path = dir.Sub("aisle.db"), .synchronous = SyncMode::kNormal});
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(
      (*store)->events()->AppendEvents({MakeEvent(EventType::kView, "u", "p", 1)}).get().ok());
  EXPECT_EQ(*(*store)->events()->CountEvents({}), 1);
}

TEST(WriteConnectionTest, PragmasFollowTheSyncModeAndEnforceForeignKeys) {
  aisle::testing::TempDir dir;
  for (const auto& [sync, expected] :
       {std::pair{SyncMode::kFull, "2"}, std::pair{SyncMode::kNormal, "1"}}) {
    auto db =
        internal::Connection::Open(dir.Sub("p.db"), internal::Connection::Mode::kReadWrite, 1234);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(internal::ConfigureWriteConnection(**db, sync).ok());
    EXPECT_EQ(*(*db)->QueryText("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(*(*db)->QueryText("PRAGMA synchronous"), expected);
    EXPECT_EQ(*(*db)->QueryText("PRAGMA foreign_keys"), "1");
    EXPECT_EQ(*(*db)->QueryText("PRAGMA temp_store"), "2");  // MEMORY.
    EXPECT_EQ(*(*db)->QueryText("PRAGMA busy_timeout"), "1234");
  }
  auto db =
      internal::Connection::Open(dir.Sub("p.db"), internal::Connection::Mode::kReadWrite, 1000);
  ASSERT_TRUE(internal::ConfigureWriteConnection(**db, SyncMode::kFull).ok());
  ASSERT_TRUE((*db)
                  ->Exec("CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                         "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))")
                  .ok());
  const absl::Status orphan = (*db)->Exec("INSERT INTO child VALUES (42)");
  EXPECT_EQ(orphan.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(orphan.message()), HasSubstr("FOREIGN KEY constraint failed"));
}

class StoreConcurrencyTest : public testing::StoreTest {};

// WAL: readers run while the writer commits, without SQLITE_BUSY, and see
// every acknowledged write.
TEST_F(StoreConcurrencyTest, ReadersRunDuringWritesAndSeeAcknowledgedData) {
  std::atomic<bool> done{false};
  std::atomic<int> read_errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        if (!store_->events()->CountEvents({}).ok()) ++read_errors;
        if (!store_->signals()->GetSignal("p").ok()) ++read_errors;
      }
    });
  }
  std::vector<std::thread> writers;
  std::atomic<int> stale_reads{0};
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 1; i <= 100; ++i) {
        const std::string user = absl::StrCat("w", w);
        ASSERT_TRUE(
            store_->events()->AppendEvents({MakeEvent(EventType::kView, user, "p", i)}).get().ok());
        // Read-your-acknowledged-writes through another connection.
        if (*store_->events()->CountEvents({.user_id = user}) != i) ++stale_reads;
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_EQ(stale_reads.load(), 0);
  EXPECT_EQ(*store_->events()->CountEvents({}), 200);
}

// --- kill -9 after acknowledgement loses nothing ------------------------------

// What the child reports after each acknowledged AppendEvents: the thread and
// call number (a 3-event batch). 8 bytes, so each write(2) is atomic.
struct Ack {
  int32_t thread;
  int32_t call;
};
constexpr int kAckThreads = 4;
constexpr int kEventsPerCall = 3;

std::string AckUser(int thread) { return absl::StrCat("t", thread); }
std::string AckProduct(int call, int i) { return absl::StrCat(call, "-", i); }

// Runs in the forked child until killed: appends forever, reporting each ack.
[[noreturn]] void AppendUntilKilled(const std::string& path, int ack_fd) {
  auto store = Store::Open({.path = path});
  if (!store.ok()) _exit(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < kAckThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int32_t call = 0;; ++call) {
        std::vector<Event> batch;
        for (int i = 0; i < kEventsPerCall; ++i) {
          batch.push_back(MakeEvent(EventType::kView, AckUser(t), AckProduct(call, i), 1 + call));
        }
        if (!(*store)->events()->AppendEvents(std::move(batch)).get().ok()) _exit(3);
        const Ack ack{t, call};
        if (write(ack_fd, &ack, sizeof ack) != sizeof ack) _exit(4);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  _exit(5);
}

TEST(StoreDurabilityTest, KillNineAfterAcknowledgementLosesNothing) {
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("aisle.db");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    AppendUntilKilled(path, fds[1]);
  }
  close(fds[1]);

  std::vector<Ack> acks;
  std::string pending;  // Bytes of a record split across reads.
  bool killed = false;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GE(n, 0) << std::strerror(errno);
    if (n == 0) break;  // The child is gone and every ack it wrote is read.
    pending.append(buffer, static_cast<size_t>(n));
    while (pending.size() >= sizeof(Ack)) {
      Ack ack;
      std::memcpy(&ack, pending.data(), sizeof ack);
      acks.push_back(ack);
      pending.erase(0, sizeof ack);
    }
    if (!killed && acks.size() >= 1500) {
      ASSERT_EQ(kill(child, SIGKILL), 0);  // Mid-stream: writes are in flight.
      killed = true;
    }
  }
  close(fds[0]);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status)) << "child exited by itself, status " << wait_status;
  ASSERT_EQ(WTERMSIG(wait_status), SIGKILL);
  ASSERT_GE(acks.size(), 1500u);

  auto store = Store::Open({.path = path});
  ASSERT_TRUE(store.ok()) << store.status();
  std::set<std::pair<std::string, std::string>> stored;
  ASSERT_TRUE((*store)
                  ->events()
                  ->ForEachEventSince(0,
                                      [&](const Event& e) {
                                        stored.emplace(e.user_id, e.product_id);
                                        return absl::OkStatus();
                                      })
                  .ok());
  size_t missing = 0;
  for (const Ack& ack : acks) {
    for (int i = 0; i < kEventsPerCall; ++i) {
      if (!stored.count({AckUser(ack.thread), AckProduct(ack.call, i)})) ++missing;
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << acks.size() << " acknowledged calls";
  // Batches are atomic: no call left only part of its events behind.
  EXPECT_EQ(stored.size() % kEventsPerCall, 0u);
}

}  // namespace
}  // namespace aisle::store
