#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "index/index_writer_internal.h"
#include "index/xapian_status_internal.h"
#include "proto/product_codec.h"

namespace aisle::index::internal {
namespace {

// Uncommitted chunks of an unfinished upsert are committed after this long
// without new work, so a caller that stops sending chunks strands nothing.
constexpr auto kIdleCommit = std::chrono::seconds(1);
// Changes waiting for the writer before producers block. Measured: without
// a bound, a 100k-product bulk load queued every built document (~10 KB
// each) while the writer worked through them.
constexpr size_t kMaxQueuedChanges = 4096;

template <typename T>
size_t JobChanges(const T& job) {
  if constexpr (requires { job.docs; }) {
    return job.docs.size();
  } else if constexpr (requires { job.ids; }) {
    return job.ids.size();
  } else {
    return 1;
  }
}

absl::Status ClosedError() { return absl::FailedPreconditionError("the product index is closed"); }

}  // namespace

IndexWriter::IndexWriter(Xapian::WritableDatabase db, CatalogColumns* columns,
                         size_t max_docs_per_commit)
    : db_(std::move(db)),
      columns_(columns),
      max_changes_(std::max<size_t>(1, max_docs_per_commit)) {
  documents_.store(db_.get_doccount(), std::memory_order_relaxed);
  thread_ = std::thread([this] { Run(); });
}

IndexWriter::~IndexWriter() { Close().IgnoreError(); }

absl::Status IndexWriter::Enqueue(Job job) {
  const size_t changes = std::visit([](const auto& j) { return JobChanges(j); }, job);
  {
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [&] {
      return closing_ || queued_changes_ == 0 || queued_changes_ + changes <= kMaxQueuedChanges;
    });
    if (closing_) return ClosedError();
    queue_.push_back(std::move(job));
    queued_changes_ += changes;
  }
  cv_.notify_one();
  return absl::OkStatus();
}

absl::StatusOr<std::future<absl::Status>> IndexWriter::Upsert(std::vector<PreparedDoc> docs,
                                                              bool final) {
  auto done = std::make_shared<std::promise<absl::Status>>();
  auto future = done->get_future();
  AISLE_RETURN_IF_ERROR(Enqueue(UpsertJob{std::move(docs), final, std::move(done)}));
  return future;
}

absl::StatusOr<std::future<absl::StatusOr<size_t>>> IndexWriter::Delete(
    std::vector<std::string> ids) {
  auto done = std::make_shared<std::promise<absl::StatusOr<size_t>>>();
  auto future = done->get_future();
  AISLE_RETURN_IF_ERROR(Enqueue(DeleteJob{std::move(ids), std::move(done)}));
  return future;
}

absl::StatusOr<std::future<absl::StatusOr<Product>>> IndexWriter::Patch(std::string id,
                                                                        ProductPatch patch) {
  auto done = std::make_shared<std::promise<absl::StatusOr<Product>>>();
  auto future = done->get_future();
  AISLE_RETURN_IF_ERROR(Enqueue(PatchJob{std::move(id), std::move(patch), std::move(done)}));
  return future;
}

absl::Status IndexWriter::Close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_one();
    space_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    try {
      db_.close();
    } catch (const Xapian::Error& e) {
      close_status_ = XapianErrorToStatus(e, "close");
    }
  });
  return close_status_;
}

std::deque<IndexWriter::Job> IndexWriter::TakeJobs(const Batch& batch, bool* closing) {
  std::unique_lock lock(mu_);
  const auto ready = [this] { return closing_ || !queue_.empty(); };
  if (batch.changes > 0 || !batch.acks.empty()) {
    cv_.wait_for(lock, kIdleCommit, ready);
  } else {
    cv_.wait(lock, ready);
  }
  *closing = closing_;
  std::deque<Job> jobs;
  size_t budget = max_changes_ - std::min(max_changes_, batch.changes);
  while (!queue_.empty()) {
    const size_t changes =
        std::visit([](const auto& job) { return JobChanges(job); }, queue_.front());
    if (!jobs.empty() && changes > budget) break;  // At least one job per round.
    budget -= std::min(budget, changes);
    queued_changes_ -= changes;
    jobs.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (!jobs.empty()) space_cv_.notify_all();
  return jobs;
}

void IndexWriter::Run() {
  Batch batch;
  while (true) {
    bool closing = false;
    std::deque<Job> jobs = TakeJobs(batch, &closing);
    for (Job& job : jobs) Apply(job, &batch);
    const bool idle = jobs.empty();
    jobs.clear();  // Frees the applied documents before the commit.
    const bool pending = batch.changes > 0 || !batch.acks.empty();
    if (pending && (batch.must_commit || batch.changes >= max_changes_ || idle || closing)) {
      Commit(&batch);
    }
    if (closing && idle) break;
  }
}

void IndexWriter::Apply(Job& job, Batch* batch) {
  batch->changes += std::visit([](const auto& j) { return JobChanges(j); }, job);
  if (auto* upsert = std::get_if<UpsertJob>(&job)) {
    batch->must_commit |= upsert->final;
    batch->acks.push_back(ApplyUpsert(*upsert));
  } else if (auto* del = std::get_if<DeleteJob>(&job)) {
    batch->must_commit = true;
    batch->acks.push_back(ApplyDelete(*del, batch));
  } else {
    batch->must_commit = true;
    batch->acks.push_back(ApplyPatch(std::get<PatchJob>(job)));
  }
}

IndexWriter::Ack IndexWriter::ApplyUpsert(UpsertJob& job) {
  absl::Status status;
  try {
    for (PreparedDoc& doc : job.docs) {
      Xapian::docid did = 0;
      Xapian::PostingIterator it = db_.postlist_begin(doc.id_term);
      if (it == db_.postlist_end(doc.id_term)) {
        did = db_.add_document(doc.document);
      } else {
        did = *it;  // An existing product keeps its docid.
        // The document is a function of the product, which is its data: an
        // unchanged product (a re-sent feed) skips the costly reindexing.
        // A change to how documents are built therefore needs a reindex.
        if (db_.get_document(did).get_data() != doc.document.get_data()) {
          db_.replace_document(did, doc.document);
        }
      }
      columns_->Apply(did, doc.row);
    }
  } catch (const Xapian::Error& e) {
    status = XapianErrorToStatus(e, "upsert");
  }
  return [done = std::move(job.done), status](const absl::Status& commit) {
    done->set_value(status.ok() ? commit : status);
  };
}

IndexWriter::Ack IndexWriter::ApplyDelete(DeleteJob& job, Batch* batch) {
  absl::StatusOr<size_t> result = 0;
  try {
    size_t deleted = 0;
    for (const std::string& id : job.ids) {
      const std::string term = IdTerm(id);
      Xapian::PostingIterator it = db_.postlist_begin(term);
      if (it == db_.postlist_end(term)) continue;
      const Xapian::docid did = *it;
      db_.delete_document(did);
      batch->deleted.push_back(did);  // Marked dead once the commit succeeds.
      ++deleted;
    }
    result = deleted;
  } catch (const Xapian::Error& e) {
    result = XapianErrorToStatus(e, "delete");
  }
  return [done = std::move(job.done), result](const absl::Status& commit) {
    if (result.ok() && !commit.ok()) {
      done->set_value(commit);
    } else {
      done->set_value(result);
    }
  };
}

absl::StatusOr<Product> IndexWriter::PatchDocument(const PatchJob& job) {
  const std::string term = IdTerm(job.id);
  Xapian::PostingIterator it = db_.postlist_begin(term);
  if (it == db_.postlist_end(term)) {
    return absl::NotFoundError(absl::StrCat("product '", job.id, "' not found"));
  }
  const Xapian::docid did = *it;
  AISLE_ASSIGN_OR_RETURN(Product product, proto::ParseProduct(db_.get_document(did).get_data()));
  if (job.patch.empty()) return product;
  ::aisle::ApplyPatch(job.patch, &product);
  PreparedDoc prepared = builder_.Build(product);
  db_.replace_document(did, prepared.document);
  columns_->Apply(did, prepared.row);
  return product;
}

IndexWriter::Ack IndexWriter::ApplyPatch(PatchJob& job) {
  absl::StatusOr<Product> result;
  try {
    result = PatchDocument(job);
  } catch (const Xapian::Error& e) {
    result = XapianErrorToStatus(e, "patch");
  }
  return [done = std::move(job.done), result = std::move(result)](const absl::Status& commit) {
    if (result.ok() && !commit.ok()) {
      done->set_value(commit);
    } else {
      done->set_value(result);
    }
  };
}

void IndexWriter::Commit(Batch* batch) {
  absl::Status status;
  try {
    {
      std::unique_lock<std::shared_mutex> gate(commit_gate_);
      db_.commit();
    }
    for (Xapian::docid did : batch->deleted) columns_->MarkDeleted(did);
    documents_.store(db_.get_doccount(), std::memory_order_relaxed);
    commits_.fetch_add(1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  } catch (const Xapian::Error& e) {
    status = XapianErrorToStatus(e, "commit");
  }
  for (Ack& ack : batch->acks) ack(status);
  *batch = Batch();
}

std::vector<PreparedDoc> BuildDocuments(std::vector<Product> products, DocumentBuilder& builder) {
  std::vector<PreparedDoc> docs;
  docs.reserve(products.size());
  for (Product& product : products) docs.push_back(builder.Build(std::move(product)));
  return docs;
}

BuildPool::BuildPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Run(); });
}

BuildPool::~BuildPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& thread : threads_) thread.join();
}

std::future<std::vector<PreparedDoc>> BuildPool::Submit(std::vector<Product> products) {
  Task task([products = std::move(products)](DocumentBuilder& builder) mutable {
    return BuildDocuments(std::move(products), builder);
  });
  auto future = task.get_future();
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return future;
}

void BuildPool::Run() {
  DocumentBuilder builder;  // Per thread: Xapian objects are not thread-safe.
  while (true) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task(builder);
  }
}

}  // namespace aisle::index::internal
