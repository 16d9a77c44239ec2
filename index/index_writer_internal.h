// Internal to index/: the single writer thread that owns the
// Xapian::WritableDatabase, and the pool that builds documents ahead of it.
//
// Callers enqueue jobs and wait on the returned future, which completes when
// the job's changes are committed (Glass fsyncs) or failed. The writer drains
// the queue (up to max_docs_per_commit changes), applies the jobs, writes the
// columns of each touched docid before the commit that makes it visible,
// commits once for the whole batch (group commit), marks deleted docids dead,
// bumps the generation, then completes the futures.
//
// The queue is bounded (in changes): producers block while it is full, so a
// bulk load that builds documents faster than the writer applies them does
// not pile them up in memory. A single job bigger than the bound is admitted
// when the queue is empty.
//
// An upsert may arrive as several chunks: a chunk with final = false needs no
// commit of its own (the pipeline's last chunk brings one), so a big request
// commits once while later chunks are still being built. Uncommitted changes
// are committed anyway when max_docs_per_commit is reached or the queue has
// been idle for a second.
//
// Thread-safety: every public method may be called from any thread.
#ifndef AISLE_INDEX_INDEX_WRITER_INTERNAL_H_
#define AISLE_INDEX_INDEX_WRITER_INTERNAL_H_

#include <xapian.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <shared_mutex>

#include "base/product.h"
#include "base/status.h"
#include "index/catalog_columns_internal.h"
#include "index/document_builder_internal.h"

namespace aisle::index::internal {

class IndexWriter {
 public:
  // Takes the database; `columns` must outlive the writer.
  IndexWriter(Xapian::WritableDatabase db, CatalogColumns* columns, size_t max_docs_per_commit);
  ~IndexWriter();  // Close()s.
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  // FailedPrecondition once Close() has begun.
  absl::StatusOr<std::future<absl::Status>> Upsert(std::vector<PreparedDoc> docs, bool final);
  absl::StatusOr<std::future<absl::StatusOr<size_t>>> Delete(std::vector<std::string> ids);
  absl::StatusOr<std::future<absl::StatusOr<Product>>> Patch(std::string id, ProductPatch patch);

  // Applies and commits what is queued, then stops the thread. Idempotent.
  absl::Status Close();

  // Bumped (release) after every successful commit.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

  // Holds back commits while the returned lock lives. A reader that keeps
  // being invalidated by back-to-back commits (Glass reuses the blocks of a
  // revision two commits old) takes this for its last attempt, so every read
  // finishes however busy the writer is. Hold it for one read only.
  std::shared_lock<std::shared_mutex> HoldCommits() const {
    return std::shared_lock<std::shared_mutex>(commit_gate_);
  }
  uint64_t documents() const { return documents_.load(std::memory_order_relaxed); }

 private:
  using Ack = std::function<void(const absl::Status& commit_status)>;
  struct UpsertJob {
    std::vector<PreparedDoc> docs;
    bool final = true;
    std::shared_ptr<std::promise<absl::Status>> done;
  };
  struct DeleteJob {
    std::vector<std::string> ids;
    std::shared_ptr<std::promise<absl::StatusOr<size_t>>> done;
  };
  struct PatchJob {
    std::string id;
    ProductPatch patch;
    std::shared_ptr<std::promise<absl::StatusOr<Product>>> done;
  };
  using Job = std::variant<UpsertJob, DeleteJob, PatchJob>;

  // State of the writer thread between commits.
  struct Batch {
    std::vector<Ack> acks;
    std::vector<Xapian::docid> deleted;
    size_t changes = 0;
    bool must_commit = false;  // A job that needs an acknowledgement is applied.
  };

  absl::Status Enqueue(Job job);
  void Run();
  std::deque<Job> TakeJobs(const Batch& batch, bool* closing);
  void Apply(Job& job, Batch* batch);
  Ack ApplyUpsert(UpsertJob& job);
  Ack ApplyDelete(DeleteJob& job, Batch* batch);
  Ack ApplyPatch(PatchJob& job);
  absl::StatusOr<Product> PatchDocument(const PatchJob& job);
  void Commit(Batch* batch);

  Xapian::WritableDatabase db_;  // Writer thread only (after construction).
  CatalogColumns* columns_;
  const size_t max_changes_;
  DocumentBuilder builder_;  // Writer thread only (patches).

  std::mutex mu_;
  std::condition_variable cv_;        // Work for the writer thread.
  std::condition_variable space_cv_;  // Room in the queue for producers.
  std::deque<Job> queue_;             // Guarded by mu_.
  size_t queued_changes_ = 0;         // Guarded by mu_.
  bool closing_ = false;              // Guarded by mu_.
  std::thread thread_;
  std::once_flag close_once_;
  absl::Status close_status_;

  mutable std::shared_mutex commit_gate_;  // Exclusive during db_.commit().
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> documents_{0};
};

// Threads that turn products into documents ahead of the writer.
class BuildPool {
 public:
  explicit BuildPool(int threads);
  ~BuildPool();  // Finishes queued work, then joins.
  BuildPool(const BuildPool&) = delete;
  BuildPool& operator=(const BuildPool&) = delete;

  std::future<std::vector<PreparedDoc>> Submit(std::vector<Product> products);

 private:
  using Task = std::packaged_task<std::vector<PreparedDoc>(DocumentBuilder&)>;
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;  // Guarded by mu_.
  bool stop_ = false;       // Guarded by mu_.
  std::vector<std::thread> threads_;
};

// Builds `products` on the calling thread.
std::vector<PreparedDoc> BuildDocuments(std::vector<Product> products, DocumentBuilder& builder);

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_INDEX_WRITER_INTERNAL_H_
