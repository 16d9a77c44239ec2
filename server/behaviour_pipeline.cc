#include "server/behaviour_pipeline.h"

#include <algorithm>
#include <string>
#include <utility>

namespace aisle::server {

BehaviourPipeline::BehaviourPipeline(const Clock* clock, commerce::DemandCounters* demand,
                                     commerce::UserPreferences* preferences,
                                     index::ProductIndex* index)
    : clock_(clock), demand_(demand), preferences_(preferences), index_(index) {}

void BehaviourPipeline::Accept(const std::vector<Event>& events) {
  std::vector<std::string> touched;
  for (const Event& event : events) {
    if (demand_->Record(event)) touched.push_back(event.product_id);
    preferences_->Update(event).IgnoreError();  // Only fails for events it cannot use.
    if (listener_) listener_(event);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  PublishDemand(touched);
}

void BehaviourPipeline::PublishDemand(const std::vector<std::string>& product_ids) {
  if (product_ids.empty()) return;
  const int64_t now = clock_->NowMillis();
  std::vector<index::SignalUpdate> updates;
  updates.reserve(product_ids.size());
  for (const std::string& id : product_ids) {
    const commerce::DemandSnapshot snapshot = demand_->Snapshot(id, now);
    // The seed's normalisation: the 24 h score over the category's average.
    const double normalized = snapshot.demand_score / std::max(snapshot.category_average, 1.0);
    updates.push_back({.product_id = id, .demand = normalized});
  }
  // Events may name products the catalog does not have (yet): not an error.
  index_->UpdateSignals(updates).IgnoreError();
}

absl::Status BehaviourPipeline::Replay(const store::EventStore& events, int64_t window_ms,
                                       ReplayOptions options) {
  std::vector<std::string> touched;
  absl::Status status =
      events.ForEachEventSince(clock_->NowMillis() - window_ms, [&](const Event& event) {
        if (demand_->Record(event)) touched.push_back(event.product_id);
        if (options.update_preferences) preferences_->Update(event).IgnoreError();
        if (listener_) listener_(event);
        return absl::OkStatus();
      });
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  PublishDemand(touched);
  return status;
}

}  // namespace aisle::server
