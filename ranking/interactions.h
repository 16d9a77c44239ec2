// The training input of every recommendation model: products as dense
// ordinals and each user's interactions in time order, collected from the
// stored behaviour events (base/event.h).
//
// Thread-safety: none; built by one training job, then read-only (models
// copy what they keep).
#ifndef AISLE_RANKING_INTERACTIONS_H_
#define AISLE_RANKING_INTERACTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/event.h"

namespace aisle::ranking {

// Dense ordinals for product ids: 0, 1, 2, ... in order of first sight.
class ItemVocabulary {
 public:
  uint32_t Intern(std::string_view id);
  std::optional<uint32_t> Find(std::string_view id) const;
  const std::string& Id(uint32_t ordinal) const { return ids_[ordinal]; }
  const std::vector<std::string>& ids() const { return ids_; }
  size_t size() const { return ids_.size(); }

 private:
  std::vector<std::string> ids_;
  absl::flat_hash_map<std::string, uint32_t> ordinals_;
};

// How much each kind of event says about a shopper's taste: the strength of
// the implicit feedback the collaborative model factorises. A purchase says
// most; a view little, but views are most of the data. Searches carry no
// product and are not interactions.
struct InteractionWeights {
  float view = 1;
  float click = 1;
  float cart_add = 3;
  float purchase = 5;
  float wishlist_add = 2;

  float Of(EventType type) const;
  bool operator==(const InteractionWeights&) const = default;
};

struct Interaction {
  uint32_t item = 0;
  EventType type = EventType::kView;
  int64_t timestamp_ms = 0;
};

// Each user's interactions in time order (events arrive in timestamp order
// from EventStore::ForEachEventSince; Add keeps arrival order).
class InteractionLog {
 public:
  // Ignores events without a product or of type kSearch; returns whether
  // the event was kept.
  bool Add(const Event& event);
  // The same for callers that already hold ordinals (offline evaluation).
  void Add(uint32_t user, Interaction interaction);
  uint32_t InternUser(std::string_view user_id);

  ItemVocabulary& items() { return items_; }
  const ItemVocabulary& items() const { return items_; }
  const std::vector<std::string>& user_ids() const { return user_ids_; }
  const std::vector<std::vector<Interaction>>& by_user() const { return by_user_; }
  size_t interaction_count() const { return interactions_; }

 private:
  ItemVocabulary items_;
  std::vector<std::string> user_ids_;
  absl::flat_hash_map<std::string, uint32_t> user_ordinals_;
  std::vector<std::vector<Interaction>> by_user_;
  size_t interactions_ = 0;
};

// A user's items in order with repeats of the same item in a row collapsed
// (view, view, cart add of one product is one step of the sequence).
std::vector<uint32_t> ItemSequence(const std::vector<Interaction>& interactions);

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_INTERACTIONS_H_
