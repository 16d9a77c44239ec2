// Where accepted behaviour events go after they are stored: the demand
// counters and user preferences (commerce/), and each touched product's
// normalised demand into the index's live demand column (what ranking and
// pricing read), and every event to an optional listener (recommendations'
// recent activity). Also replays stored events at start-up.
//
// Thread-safe: Accept may run concurrently on several request threads.
#ifndef AISLE_SERVER_BEHAVIOUR_PIPELINE_H_
#define AISLE_SERVER_BEHAVIOUR_PIPELINE_H_

#include <functional>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "commerce/demand_counters.h"
#include "commerce/user_preferences.h"
#include "index/product_index.h"
#include "store/event_store.h"

namespace aisle::server {

struct ReplayOptions {
  // False when UserPreferences loads stored profiles (ProfileSync::Loader):
  // they already contain the replayed events, which would count twice.
  bool update_preferences = true;
};

class BehaviourPipeline {
 public:
  // Sees every accepted and every replayed event; must be thread-safe.
  using Listener = std::function<void(const Event& event)>;

  // Not owned; all must outlive the pipeline.
  BehaviourPipeline(const Clock* clock, commerce::DemandCounters* demand,
                    commerce::UserPreferences* preferences, index::ProductIndex* index);

  // Not thread-safe: set once, before Replay and the first Accept.
  void SetListener(Listener listener) { listener_ = std::move(listener); }

  void Accept(const std::vector<Event>& events);

  // Feeds every stored event of the last `window_ms` through Accept's
  // counters (not the index: call after the catalog is open, it refreshes
  // the demand column of every product seen) and the listener. The
  // preferences only with options.update_preferences.
  absl::Status Replay(const store::EventStore& events, int64_t window_ms,
                      ReplayOptions options = {});

 private:
  void PublishDemand(const std::vector<std::string>& product_ids);

  const Clock* clock_;
  commerce::DemandCounters* demand_;
  commerce::UserPreferences* preferences_;
  index::ProductIndex* index_;
  Listener listener_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_BEHAVIOUR_PIPELINE_H_
