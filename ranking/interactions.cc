#include "ranking/interactions.h"

namespace aisle::ranking {

uint32_t ItemVocabulary::Intern(std::string_view id) {
  auto [it, inserted] = ordinals_.try_emplace(std::string(id), static_cast<uint32_t>(ids_.size()));
  if (inserted) ids_.emplace_back(id);
  return it->second;
}

std::optional<uint32_t> ItemVocabulary::Find(std::string_view id) const {
  auto it = ordinals_.find(absl::string_view(id.data(), id.size()));
  if (it == ordinals_.end()) return std::nullopt;
  return it->second;
}

float InteractionWeights::Of(EventType type) const {
  switch (type) {
    case EventType::kView:
      return view;
    case EventType::kClick:
      return click;
    case EventType::kCartAdd:
      return cart_add;
    case EventType::kPurchase:
      return purchase;
    case EventType::kWishlistAdd:
      return wishlist_add;
    case EventType::kSearch:
      return 0;
  }
  return 0;
}

uint32_t InteractionLog::InternUser(std::string_view user_id) {
  auto [it, inserted] =
      user_ordinals_.try_emplace(std::string(user_id), static_cast<uint32_t>(user_ids_.size()));
  if (inserted) {
    user_ids_.emplace_back(user_id);
    by_user_.emplace_back();
  }
  return it->second;
}

bool InteractionLog::Add(const Event& event) {
  if (event.type == EventType::kSearch || event.product_id.empty()) return false;
  uint32_t user = InternUser(event.user_id);
  Add(user, {.item = items_.Intern(event.product_id),
             .type = event.type,
             .timestamp_ms = event.timestamp_ms});
  return true;
}

void InteractionLog::Add(uint32_t user, Interaction interaction) {
  by_user_[user].push_back(interaction);
  ++interactions_;
}

std::vector<uint32_t> ItemSequence(const std::vector<Interaction>& interactions) {
  std::vector<uint32_t> sequence;
  sequence.reserve(interactions.size());
  for (const Interaction& interaction : interactions) {
    if (sequence.empty() || sequence.back() != interaction.item) {
      sequence.push_back(interaction.item);
    }
  }
  return sequence;
}

}  // namespace aisle::ranking
