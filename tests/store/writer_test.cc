#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/writer_internal.h"
#include "tests/testing/test_util.h"

namespace aisle::store::internal {
namespace {

using ::testing::HasSubstr;

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("writer.db");
    auto setup = Connection::Open(path_, Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(setup.ok()) << setup.status();
    ASSERT_TRUE((*setup)->Exec("PRAGMA journal_mode = WAL").ok());
    ASSERT_TRUE((*setup)->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)").ok());
  }

  std::unique_ptr<Writer> StartWriter(WriterOptions options = {}) {
    auto connection = Connection::Open(path_, Connection::Mode::kReadWrite, 1000);
    EXPECT_TRUE(connection.ok()) << connection.status();
    return std::make_unique<Writer>(std::move(*connection), options);
  }

  // Rows of t, read through a separate connection (what is committed).
  std::set<int64_t> CommittedKeys() {
    std::set<int64_t> keys;
    auto reader = Connection::Open(path_, Connection::Mode::kReadOnly, 1000);
    EXPECT_TRUE(reader.ok()) << reader.status();
    auto query = (*reader)->Prepare("SELECT k FROM t");
    EXPECT_TRUE(query.ok()) << query.status();
    while (true) {
      auto row = query->Step();
      EXPECT_TRUE(row.ok()) << row.status();
      if (!row.ok() || !*row) break;
      keys.insert(query->Int64(0));
    }
    return keys;
  }

  static auto Insert(int64_t key) {
    return [key](Transaction& tx) -> absl::Status {
      AISLE_ASSIGN_OR_RETURN(Query insert, tx.Prepare("INSERT INTO t(k, v) VALUES (?1, 'x')"));
      insert.Bind(1, key);
      return insert.Run();
    };
  }

  // A job that holds the writer (inside its transaction) until released, so
  // the test can queue work behind it deterministically.
  struct Gate {
    std::promise<void> started;
    std::promise<void> release;
  };
  static std::future<absl::Status> SubmitGate(Writer& writer, Gate& gate) {
    auto release = gate.release.get_future().share();
    std::future<absl::Status> done = writer.Submit([&gate, release](Transaction&) -> absl::Status {
      gate.started.set_value();
      release.wait();
      return absl::OkStatus();
    });
    gate.started.get_future().wait();
    return done;
  }

  testing::TempDir dir_;
  std::string path_;
};

TEST_F(WriterTest, JobsQueuedDuringACommitShareOneTransaction) {
  auto writer = StartWriter();
  Gate gate;
  auto gated = SubmitGate(*writer, gate);
  std::vector<std::future<absl::Status>> futures;
  for (int64_t k = 1; k <= 200; ++k) futures.push_back(writer->Submit(Insert(k)));
  gate.release.set_value();
  EXPECT_TRUE(gated.get().ok());
  for (auto& f : futures) EXPECT_TRUE(f.get().ok());
  // The gate's transaction, then one for all 200 queued behind it.
  EXPECT_EQ(writer->stats().commits, 2u);
  EXPECT_EQ(writer->stats().jobs, 201u);
  EXPECT_EQ(CommittedKeys().size(), 200u);
}

TEST_F(WriterTest, GroupIsSplitAtMaxJobsPerTransaction) {
  auto writer = StartWriter(WriterOptions{.max_jobs_per_transaction = 50});
  Gate gate;
  auto gated = SubmitGate(*writer, gate);
  std::vector<std::future<absl::Status>> futures;
  for (int64_t k = 1; k <= 200; ++k) futures.push_back(writer->Submit(Insert(k)));
  gate.release.set_value();
  for (auto& f : futures) EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(writer->stats().commits, 1u + 4u);
}

TEST_F(WriterTest, FailingJobRollsBackAloneAndReportsItsOwnError) {
  auto writer = StartWriter();
  Gate gate;
  auto gated = SubmitGate(*writer, gate);
  auto first = writer->Submit(Insert(1));
  // Writes, then fails: its write must not survive.
  auto failing = writer->Submit([](Transaction& tx) -> absl::Status {
    AISLE_RETURN_IF_ERROR(Insert(2)(tx));
    return absl::AbortedError("job says no");
  });
  auto third = writer->Submit(Insert(3));
  // SQL error: duplicate primary key of job 1 (same transaction).
  auto duplicate = writer->Submit(Insert(1));
  auto throwing = writer->Submit([](Transaction& tx) -> absl::Status {
    AISLE_RETURN_IF_ERROR(Insert(4)(tx));
    throw std::runtime_error("boom");
  });
  auto typed = writer->Submit([](Transaction& tx) -> absl::StatusOr<int64_t> {
    AISLE_RETURN_IF_ERROR(Insert(5)(tx));
    return tx.LastInsertRowid();
  });
  gate.release.set_value();
  EXPECT_TRUE(gated.get().ok());
  EXPECT_TRUE(first.get().ok());
  const absl::Status failed = failing.get();
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(failed.message(), "job says no");
  EXPECT_TRUE(third.get().ok());
  const absl::Status dup = duplicate.get();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  EXPECT_THAT(std::string(dup.message()), HasSubstr("UNIQUE constraint failed: t.k"));
  const absl::Status thrown = throwing.get();
  EXPECT_EQ(thrown.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(thrown.message()), HasSubstr("boom"));
  auto rowid = typed.get();
  ASSERT_TRUE(rowid.ok()) << rowid.status();
  EXPECT_EQ(*rowid, 5);
  EXPECT_EQ(CommittedKeys(), (std::set<int64_t>{1, 3, 5}));
  EXPECT_EQ(writer->stats().commits, 2u);
  EXPECT_EQ(writer->stats().failed_jobs, 3u);
}

TEST_F(WriterTest, JobThatEndsTheTransactionFailsTheJobsItWasGroupedWith) {
  auto writer = StartWriter();
  Gate gate;
  auto gated = SubmitGate(*writer, gate);
  auto before = writer->Submit(Insert(1));
  auto rogue = writer->Submit([](Transaction& tx) -> absl::Status {
    AISLE_ASSIGN_OR_RETURN(Query rollback, tx.Prepare("ROLLBACK"));
    return rollback.Run();
  });
  auto after = writer->Submit(Insert(2));
  gate.release.set_value();
  // The gate ran in the previous transaction and is unaffected.
  EXPECT_TRUE(gated.get().ok());
  EXPECT_EQ(before.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(rogue.get().code(), absl::StatusCode::kUnavailable);
  // Jobs after the rogue one run in a fresh transaction.
  EXPECT_TRUE(after.get().ok());
  EXPECT_EQ(CommittedKeys(), (std::set<int64_t>{2}));
}

TEST_F(WriterTest, CloseDrainsQueuedJobs) {
  auto writer = StartWriter();
  Gate gate;
  auto gated = SubmitGate(*writer, gate);
  std::vector<std::future<absl::Status>> futures;
  for (int64_t k = 1; k <= 100; ++k) futures.push_back(writer->Submit(Insert(k)));
  std::thread closer([&] { writer->Close(); });
  gate.release.set_value();
  closer.join();
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_TRUE(f.get().ok());
  }
  EXPECT_EQ(CommittedKeys().size(), 100u);
}

TEST_F(WriterTest, SubmitAfterCloseFailsWithFailedPrecondition) {
  auto writer = StartWriter();
  writer->Close();
  writer->Close();  // Idempotent.
  EXPECT_EQ(writer->Submit(Insert(1)).get().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(WriterTest, FullQueueRejectsWithUnavailable) {
  auto writer = StartWriter(WriterOptions{.max_pending_jobs = 3});
  Gate gate;
  auto gated = SubmitGate(*writer, gate);  // Taken off the queue: not pending.
  std::vector<std::future<absl::Status>> accepted;
  for (int64_t k = 1; k <= 3; ++k) accepted.push_back(writer->Submit(Insert(k)));
  auto rejected = writer->Submit(Insert(4));
  ASSERT_EQ(rejected.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(rejected.get().code(), absl::StatusCode::kUnavailable);
  gate.release.set_value();
  for (auto& f : accepted) EXPECT_TRUE(f.get().ok());
}

TEST_F(WriterTest, ContinuationsStartedBeforeCloseRunToTheEnd) {
  auto writer = StartWriter();
  Gate gate;
  auto gated = SubmitGate(*writer, gate);
  // A chain of 5 jobs, each enqueueing the next from its finish callback.
  std::promise<int> chain_done;
  std::function<void(int)> link = [&](int k) {
    Writer::Job job;
    job.run = Insert(k);
    job.finish = [&, k](const absl::Status& status) {
      if (!status.ok() || k == 5) {
        chain_done.set_value(status.ok() ? k : -1);
        return;
      }
      link(k + 1);
    };
    ASSERT_TRUE(writer->Enqueue(std::move(job), /*continuation=*/k > 1).ok());
  };
  link(1);
  std::thread closer([&] { writer->Close(); });
  gate.release.set_value();
  closer.join();
  EXPECT_EQ(chain_done.get_future().get(), 5);
  EXPECT_EQ(CommittedKeys().size(), 5u);
}

TEST_F(WriterTest, ConcurrentSubmittersAreAllCommitted) {
  auto writer = StartWriter();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!writer->Submit(Insert(t * kPerThread + i)).get().ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CommittedKeys().size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(writer->stats().jobs, static_cast<uint64_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace aisle::store::internal
