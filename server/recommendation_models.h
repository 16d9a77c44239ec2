// The recommendation model lifecycle of a running server: the Recommender
// and what feeds it, and one background thread that keeps its models fresh.
//
// - At Open, the persisted generation named by <dir>/CURRENT is loaded and
//   served at once, so a restart recommends before any training. A missing
//   or unreadable model is logged and a training is scheduled right away; it
//   never stops the server from starting.
// - The background thread (Start) builds the content index over the whole
//   catalog, trains every `training_interval_ms` and on RequestTraining, and
//   sweeps idle shoppers from RecentActivity hourly. A training reads the
//   last `event_window_ms` of stored events, saves the new generation into
//   <dir>/models-<generation>, points CURRENT at it (temp file, fsync,
//   rename), swaps it into the Recommender, refits the content index, and
//   deletes older generations but the previous one. A failed training keeps
//   the previous model and is reported by Status().last_error.
// - Catalog writes reach the content index at once (OnProductsChanged,
//   OnProductsDeleted), also while it is being rebuilt.
// - Behaviour events reach RecentActivity through Record/Accept (live and
//   replayed at start-up by BehaviourPipeline).
//
// Ownership: owns the Recommender, RecentActivity and their adapters; the
// clock, index, event store and demand counters are not owned and must
// outlive this object.
// Thread-safety: every public method may be called concurrently, except
// Start and Stop (one thread, Start at most once).
#ifndef AISLE_SERVER_RECOMMENDATION_MODELS_H_
#define AISLE_SERVER_RECOMMENDATION_MODELS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "base/product.h"
#include "base/status.h"
#include "commerce/demand_counters.h"
#include "index/product_index.h"
#include "ranking/content_index.h"
#include "ranking/recent_activity.h"
#include "ranking/recommender.h"
#include "ranking/trained_models.h"
#include "server/model_control.h"
#include "server/recommendation_adapters.h"
#include "store/event_store.h"

namespace aisle::server {

// Training on one core, so the request threads keep the other: ALS on one
// thread, FAISS builds on one OpenMP thread.
ranking::TrainingOptions BackgroundTrainingOptions();
ranking::ContentIndexOptions BackgroundContentOptions();

struct RecommendationModelsOptions {
  // Where generations are persisted (<data>/vectors); created when missing.
  // Required.
  std::string dir;
  int64_t training_interval_ms = 6LL * 3600 * 1000;
  int64_t event_window_ms = 90LL * 24 * 3600 * 1000;
  int64_t sweep_interval_ms = 3600 * 1000;
  // Products read per ProductIndex::Scan page when the content index is built.
  size_t scan_page = 1000;
  ranking::TrainingOptions training = BackgroundTrainingOptions();
  ranking::RecommenderSettings settings;
  ranking::ContentIndexOptions content = BackgroundContentOptions();
  ranking::RecentActivityOptions activity;
  commerce::DemandWeights demand_weights;  // The demand counters' own.
};

class RecommendationModels final : public ModelControl {
 public:
  // Loads the persisted generation (see above). Fails only when `dir`
  // cannot be created or options are invalid; a missing or corrupt model is
  // not an error. Pointers are not owned.
  static absl::StatusOr<std::unique_ptr<RecommendationModels>> Open(
      RecommendationModelsOptions options, const Clock* clock, const index::ProductIndex* index,
      const store::EventStore* events, const commerce::DemandCounters* demand);

  ~RecommendationModels() override;  // Stop()s.
  RecommendationModels(const RecommendationModels&) = delete;
  RecommendationModels& operator=(const RecommendationModels&) = delete;

  // Starts the background thread. Stop cancels a training in progress (it
  // is not saved) and joins the thread; call it before the index or the
  // store closes. Idempotent.
  void Start();
  void Stop();

  ranking::Recommender* recommender() { return &recommender_; }
  const ranking::RecentActivity* activity() const { return &activity_; }

  // Behaviour events into RecentActivity (events without a product are
  // ignored there).
  void Record(const Event& event) { activity_.Record(event); }
  void Accept(const std::vector<Event>& events);

  // Catalog writes, after they succeeded: the products as stored, and the
  // ids deleted.
  void OnProductsChanged(const std::vector<Product>& products);
  void OnProductsDeleted(const std::vector<std::string>& ids);

  ModelStatus Status() const override;
  bool RequestTraining() override;

 private:
  RecommendationModels(RecommendationModelsOptions options, const Clock* clock,
                       const index::ProductIndex* index, const store::EventStore* events,
                       const commerce::DemandCounters* demand);

  // A catalog change that arrived while the content index was rebuilt.
  struct PendingChange {
    std::vector<Product> upserted;
    std::vector<std::string> deleted;
  };

  void LoadPersisted();
  void Run();
  void WaitForWork();
  void TrainAndPublish();
  absl::StatusOr<bool> Train();  // false: no events to train on.
  absl::Status RebuildContent();
  absl::StatusOr<std::vector<Product>> ScanCatalog() const;
  uint64_t NextGeneration() const;
  void DeleteOldGenerations(uint64_t current) const;
  bool Cancelled() const { return cancel_.load(std::memory_order_relaxed); }

  const RecommendationModelsOptions options_;
  const Clock* const clock_;
  const index::ProductIndex* const index_;
  const store::EventStore* const events_;
  DemandTrendingSource trending_;
  IndexAvailability availability_;
  ranking::RecentActivity activity_;
  ranking::Recommender recommender_;

  std::atomic<bool> cancel_{false};  // Set by Stop: ends training and the thread.
  std::thread thread_;

  mutable std::mutex mu_;  // Guards the block below.
  std::condition_variable wake_;
  bool training_requested_ = false;
  bool training_ = false;
  int64_t next_training_ms_ = 0;
  int64_t next_sweep_ms_ = 0;
  std::string last_error_;

  // Serialises catalog changes with the swap of a rebuilt content index, so
  // no change is lost between the catalog scan and the swap.
  std::mutex content_mu_;
  bool rebuilding_content_ = false;     // Guarded by content_mu_.
  std::vector<PendingChange> pending_;  // Guarded by content_mu_.
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_RECOMMENDATION_MODELS_H_
