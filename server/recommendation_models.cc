#include "server/recommendation_models.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace aisle::server {
namespace {

namespace fs = std::filesystem;

constexpr char kCurrentFile[] = "CURRENT";
constexpr char kCurrentTempFile[] = "CURRENT.tmp";
constexpr std::string_view kGenerationPrefix = "models-";

void Log(std::string_view message) {
  std::cerr << "aisle: recommendations: " << message << std::endl;
}

std::string GenerationDirName(uint64_t generation) {
  return absl::StrCat(std::string(kGenerationPrefix), generation);
}

// The generation of a "models-<n>" name (n >= 1, digits only).
std::optional<uint64_t> ParseGenerationDirName(std::string_view name) {
  if (name.substr(0, kGenerationPrefix.size()) != kGenerationPrefix) return std::nullopt;
  const std::string_view digits = name.substr(kGenerationPrefix.size());
  uint64_t generation = 0;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), generation);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      generation == 0) {
    return std::nullopt;
  }
  return generation;
}

// Every generation directory under `dir`, in no particular order.
std::vector<uint64_t> GenerationsOnDisk(const fs::path& dir) {
  std::vector<uint64_t> out;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_directory(error)) continue;
    if (auto generation = ParseGenerationDirName(it->path().filename().string())) {
      out.push_back(*generation);
    }
  }
  return out;
}

absl::Status ErrnoError(std::string_view what, const fs::path& path) {
  return absl::InternalError(
      absl::StrCat(std::string(what), " ", path.string(), ": ", std::strerror(errno)));
}

// Replaces `path` with `contents` so that a crash leaves the old file or the
// new one, never a torn one: a temp file, fsynced, renamed over it, and the
// directory fsynced so the rename itself is durable.
absl::Status WriteFileAtomically(const fs::path& dir, const std::string& contents) {
  const fs::path temp = dir / kCurrentTempFile;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", temp);
  const bool written =
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
      ::fsync(fd) == 0;
  absl::Status status = written ? absl::OkStatus() : ErrnoError("cannot write", temp);
  ::close(fd);
  if (!status.ok()) return status;
  if (::rename(temp.c_str(), (dir / kCurrentFile).c_str()) != 0) {
    return ErrnoError("cannot rename", temp);
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return ErrnoError("cannot open", dir);
  const bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  return synced ? absl::OkStatus() : ErrnoError("cannot fsync", dir);
}

// The generation CURRENT names: NotFound without the file, DataLoss when it
// does not hold one "models-<n>" line.
absl::StatusOr<uint64_t> ReadCurrent(const fs::path& dir) {
  std::ifstream in(dir / kCurrentFile, std::ios::binary);
  if (!in) return absl::NotFoundError("no persisted model");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string name = bytes.str();
  if (!name.empty() && name.back() == '\n') name.pop_back();
  const std::optional<uint64_t> generation = ParseGenerationDirName(name);
  if (!generation) return absl::DataLossError("CURRENT does not name a model generation");
  return *generation;
}

}  // namespace

ranking::TrainingOptions BackgroundTrainingOptions() {
  ranking::TrainingOptions options;
  options.als.threads = 1;
  options.vectors.build_threads = 1;
  return options;
}

ranking::ContentIndexOptions BackgroundContentOptions() {
  ranking::ContentIndexOptions options;
  options.vectors.build_threads = 1;
  return options;
}

absl::StatusOr<std::unique_ptr<RecommendationModels>> RecommendationModels::Open(
    RecommendationModelsOptions options, const Clock* clock, const index::ProductIndex* index,
    const store::EventStore* events, const commerce::DemandCounters* demand) {
  if (options.dir.empty()) return absl::InvalidArgumentError("the models directory is required");
  if (options.training_interval_ms <= 0 || options.event_window_ms <= 0 ||
      options.sweep_interval_ms <= 0 || options.scan_page == 0) {
    return absl::InvalidArgumentError(
        "training interval, event window, sweep interval and scan page must be > 0");
  }
  AISLE_RETURN_IF_ERROR(ranking::ValidateRecommenderSettings(options.settings));
  std::error_code error;
  fs::create_directories(options.dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create the models directory ", options.dir, ": ", error.message()));
  }
  std::unique_ptr<RecommendationModels> models(
      new RecommendationModels(std::move(options), clock, index, events, demand));
  models->LoadPersisted();
  return models;
}

RecommendationModels::RecommendationModels(RecommendationModelsOptions options, const Clock* clock,
                                           const index::ProductIndex* index,
                                           const store::EventStore* events,
                                           const commerce::DemandCounters* demand)
    : options_(std::move(options)),
      clock_(clock),
      index_(index),
      events_(events),
      trending_(demand, clock, options_.demand_weights),
      availability_(index),
      activity_(options_.activity),
      recommender_(options_.settings, &trending_, &availability_) {
  next_sweep_ms_ = clock_->NowMillis() + options_.sweep_interval_ms;
}

RecommendationModels::~RecommendationModels() { Stop(); }

void RecommendationModels::LoadPersisted() {
  const int64_t now = clock_->NowMillis();
  auto train_now = [&](const absl::Status& why) {
    Log(absl::StrCat("serving no model until the first training (", std::string(why.message()),
                     ")"));
    std::lock_guard lock(mu_);
    next_training_ms_ = now;
  };
  const absl::StatusOr<uint64_t> generation = ReadCurrent(options_.dir);
  if (!generation.ok()) return train_now(generation.status());
  const std::string dir = (fs::path(options_.dir) / GenerationDirName(*generation)).string();
  absl::StatusOr<std::shared_ptr<const ranking::TrainedModels>> models =
      ranking::TrainedModels::Load(dir);
  if (models.ok() && (*models)->info().generation != *generation) {
    models =
        absl::DataLossError(absl::StrCat(dir, " holds generation ", (*models)->info().generation));
  }
  if (!models.ok()) return train_now(models.status());
  const ranking::ModelInfo& info = (*models)->info();
  Log(absl::StrCat("serving persisted generation ", info.generation, " (", info.users, " users, ",
                   info.items, " items)"));
  {
    // The period continues from the persisted model's training, so frequent
    // restarts neither skip nor repeat trainings.
    std::lock_guard lock(mu_);
    next_training_ms_ = std::max(now, info.trained_at_ms + options_.training_interval_ms);
  }
  recommender_.SetModels(*std::move(models));
}

void RecommendationModels::Start() {
  if (thread_.joinable() || Cancelled()) return;
  thread_ = std::thread([this] { Run(); });
}

void RecommendationModels::Stop() {
  {
    std::lock_guard lock(mu_);
    cancel_.store(true, std::memory_order_relaxed);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RecommendationModels::Accept(const std::vector<Event>& events) {
  for (const Event& event : events) activity_.Record(event);
}

void RecommendationModels::OnProductsChanged(const std::vector<Product>& products) {
  if (products.empty()) return;
  std::lock_guard lock(content_mu_);
  if (std::shared_ptr<ranking::ContentIndex> content = recommender_.content()) {
    if (absl::Status s = content->Upsert(products); !s.ok()) {
      Log(absl::StrCat("content index update failed: ", std::string(s.message())));
    }
  }
  if (rebuilding_content_) pending_.push_back({.upserted = products});
}

void RecommendationModels::OnProductsDeleted(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::lock_guard lock(content_mu_);
  if (std::shared_ptr<ranking::ContentIndex> content = recommender_.content()) {
    content->Remove(ids);
  }
  if (rebuilding_content_) pending_.push_back({.deleted = ids});
}

ModelStatus RecommendationModels::Status() const {
  ModelStatus status;
  {
    std::lock_guard lock(mu_);
    status.training = training_;
    status.next_training_ms = training_requested_ ? clock_->NowMillis() : next_training_ms_;
    status.last_error = last_error_;
  }
  if (const auto models = recommender_.models()) {
    const ranking::ModelInfo& info = models->info();
    status.trained = true;
    status.generation = info.generation;
    status.trained_at_ms = info.trained_at_ms;
    status.training_seconds = info.training_seconds;
    status.users = info.users;
    status.items = info.items;
    status.interactions = info.interactions;
  }
  if (const auto content = recommender_.content()) status.content_items = content->size();
  return status;
}

bool RecommendationModels::RequestTraining() {
  {
    std::lock_guard lock(mu_);
    if (training_ || training_requested_) return false;
    training_requested_ = true;
  }
  wake_.notify_all();
  return true;
}

void RecommendationModels::Run() {
  // Content first: it needs only the catalog, and serves "similar items"
  // while the first training (if any is due) runs.
  if (absl::Status s = RebuildContent(); !s.ok() && !Cancelled()) {
    Log(absl::StrCat("content index build failed: ", std::string(s.message())));
  }
  while (true) {
    WaitForWork();
    if (Cancelled()) return;
    const int64_t now = clock_->NowMillis();
    bool sweep = false;
    bool train = false;
    {
      std::lock_guard lock(mu_);
      sweep = now >= next_sweep_ms_;
      if (sweep) next_sweep_ms_ = now + options_.sweep_interval_ms;
      train = training_requested_ || now >= next_training_ms_;
    }
    if (sweep) activity_.Sweep(now);
    if (train) TrainAndPublish();
  }
}

void RecommendationModels::WaitForWork() {
  std::unique_lock lock(mu_);
  while (!Cancelled()) {
    const int64_t now = clock_->NowMillis();
    if (training_requested_ || now >= next_training_ms_ || now >= next_sweep_ms_) return;
    // The Clock is injected (a fake one in tests, a wall clock that may
    // jump): re-read it at least every second instead of sleeping until due.
    const int64_t due = std::min(next_training_ms_, next_sweep_ms_) - now;
    wake_.wait_for(lock, std::chrono::milliseconds(std::clamp<int64_t>(due, 1, 1000)));
  }
}

void RecommendationModels::TrainAndPublish() {
  {
    std::lock_guard lock(mu_);
    training_requested_ = false;
    training_ = true;
  }
  absl::Status status = Train().status();
  // The catalog's document frequencies drift too: refit with every training.
  if (!Cancelled()) {
    if (absl::Status s = RebuildContent(); !s.ok() && !Cancelled()) {
      Log(absl::StrCat("content index rebuild failed: ", std::string(s.message())));
    }
  }
  if (!status.ok() && !Cancelled()) {
    Log(absl::StrCat("training failed, serving the previous model: ",
                     std::string(status.message())));
  }
  std::lock_guard lock(mu_);
  training_ = false;
  next_training_ms_ = clock_->NowMillis() + options_.training_interval_ms;
  if (!Cancelled()) last_error_ = status.ok() ? "" : std::string(status.message());
}

absl::StatusOr<bool> RecommendationModels::Train() {
  const int64_t now = clock_->NowMillis();
  ranking::InteractionLog log;
  AISLE_RETURN_IF_ERROR(events_->ForEachEventSince(
      now - options_.event_window_ms, [&](const Event& event) -> absl::Status {
        if (Cancelled()) return absl::CancelledError("training cancelled");
        log.Add(event);
        return absl::OkStatus();
      }));
  if (log.interaction_count() == 0) {
    Log("no behaviour events to train on yet");
    return false;
  }
  const uint64_t generation = NextGeneration();
  AISLE_ASSIGN_OR_RETURN(
      std::shared_ptr<const ranking::TrainedModels> models,
      ranking::TrainedModels::Train(log, options_.training,
                                    {.generation = generation, .trained_at_ms = now}, &cancel_));
  // Persist before serving, so CURRENT never names a generation that is not
  // complete on disk. A directory of this generation can only be a save a
  // crash interrupted (CURRENT never named it): replace it.
  const fs::path dir = fs::path(options_.dir) / GenerationDirName(generation);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  absl::Status persisted = models->Save(dir.string());
  if (persisted.ok()) {
    persisted = WriteFileAtomically(options_.dir, GenerationDirName(generation) + "\n");
  } else {
    fs::remove_all(dir, ignored);
  }
  // A model that trained is served even when it could not be persisted (a
  // full disk must not freeze recommendations); the error is reported.
  recommender_.SetModels(models);
  const ranking::ModelInfo& info = models->info();
  Log(absl::StrCat("serving generation ", info.generation, ": ", info.users, " users, ", info.items,
                   " items, ", info.interactions, " interactions, trained in ",
                   info.training_seconds, " s"));
  if (!persisted.ok()) {
    return absl::Status(persisted.code(),
                        absl::StrCat("model not persisted: ", std::string(persisted.message())));
  }
  DeleteOldGenerations(generation);
  return true;
}

absl::Status RecommendationModels::RebuildContent() {
  {
    std::lock_guard lock(content_mu_);
    rebuilding_content_ = true;
    pending_.clear();
  }
  absl::StatusOr<std::unique_ptr<ranking::ContentIndex>> built =
      [&]() -> absl::StatusOr<std::unique_ptr<ranking::ContentIndex>> {
    AISLE_ASSIGN_OR_RETURN(const std::vector<Product> products, ScanCatalog());
    return ranking::ContentIndex::Build(options_.content, products);
  }();
  std::lock_guard lock(content_mu_);
  rebuilding_content_ = false;
  std::vector<PendingChange> pending = std::move(pending_);
  pending_.clear();
  if (!built.ok()) return built.status();
  // Changes the scan may have missed: replayed in order (upserts and deletes
  // are idempotent, so replaying one the scan saw is harmless).
  for (const PendingChange& change : pending) {
    if (!change.upserted.empty()) AISLE_RETURN_IF_ERROR((*built)->Upsert(change.upserted));
    if (!change.deleted.empty()) (*built)->Remove(change.deleted);
  }
  recommender_.SetContent(std::shared_ptr<ranking::ContentIndex>(*std::move(built)));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Product>> RecommendationModels::ScanCatalog() const {
  std::vector<Product> products;
  index::ScanCursor cursor;
  while (!cursor.done) {
    if (Cancelled()) return absl::CancelledError("content index build cancelled");
    AISLE_ASSIGN_OR_RETURN(std::vector<index::Hit> hits, index_->Scan(&cursor, options_.scan_page));
    for (index::Hit& hit : hits) {
      Product& product = products.emplace_back(std::move(hit.product));
      // The catalog price, as the product's own document has it (and as
      // OnProductsChanged sees it): dynamic repricing must not move vectors.
      product.price = hit.live.base_price;
      // Not read by the content model; a large catalog's descriptions would
      // only hold memory during the build.
      product.description.clear();
      product.description.shrink_to_fit();
    }
  }
  return products;
}

uint64_t RecommendationModels::NextGeneration() const {
  uint64_t newest = 0;
  if (const auto models = recommender_.models()) newest = models->info().generation;
  // Also past directories that CURRENT no longer names (corrupt CURRENT, a
  // crash between save and CURRENT): a new generation never reuses a name.
  for (uint64_t generation : GenerationsOnDisk(options_.dir)) newest = std::max(newest, generation);
  return newest + 1;
}

void RecommendationModels::DeleteOldGenerations(uint64_t current) const {
  std::vector<uint64_t> generations = GenerationsOnDisk(options_.dir);
  // The previous generation stays: an operator can point CURRENT back at it.
  uint64_t previous = 0;
  for (uint64_t generation : generations) {
    if (generation < current) previous = std::max(previous, generation);
  }
  for (uint64_t generation : generations) {
    if (generation == current || generation == previous) continue;
    std::error_code error;
    fs::remove_all(fs::path(options_.dir) / GenerationDirName(generation), error);
    if (error) {
      Log(absl::StrCat("cannot delete old generation ", generation, ": ", error.message()));
    }
  }
}

}  // namespace aisle::server
