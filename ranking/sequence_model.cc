#include "ranking/sequence_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/serial.h"

namespace aisle::ranking {
namespace {

constexpr uint8_t kMagic0 = 'S';
constexpr uint8_t kMagic1 = 'Q';
constexpr uint8_t kVersion = 1;

using Rows = std::vector<absl::flat_hash_map<uint32_t, float>>;

absl::Status Invalid(const char* field, const char* what) {
  return InvalidArgumentError(std::string(field) + " " + what, field);
}

bool UsableWeight(float w) { return std::isfinite(w) && w >= 0; }
bool UsableDecay(float d) { return std::isfinite(d) && d > 0 && d <= 1; }

// "j followed i": the pairs of each shopper's collapsed item sequence.
void CountSequences(const InteractionLog& log, const SequenceOptions& options, Rows* rows) {
  for (const auto& interactions : log.by_user()) {
    const std::vector<uint32_t> sequence = ItemSequence(interactions);
    for (size_t a = 0; a < sequence.size(); ++a) {
      float weight = 1;
      for (size_t b = a + 1; b < sequence.size() && b - a <= static_cast<size_t>(options.window);
           ++b, weight *= options.gap_decay) {
        if (sequence[a] == sequence[b]) continue;
        (*rows)[sequence[a]][sequence[b]] += weight;
        if (options.backward > 0) (*rows)[sequence[b]][sequence[a]] += options.backward * weight;
      }
    }
  }
}

// Cart adds and purchases within basket_window_ms of each other, counted once
// per shopper and pair, then scaled to a cosine: count / sqrt(n_i * n_j).
Rows CountBaskets(const InteractionLog& log, const SequenceOptions& options) {
  Rows rows(log.items().size());
  std::vector<float> buyers(log.items().size(), 0);
  std::vector<Interaction> basket;
  absl::flat_hash_map<uint64_t, bool> seen;
  for (const auto& interactions : log.by_user()) {
    basket.clear();
    for (const Interaction& in : interactions) {
      if (in.type == EventType::kCartAdd || in.type == EventType::kPurchase) basket.push_back(in);
    }
    seen.clear();
    for (size_t a = 0; a < basket.size(); ++a) {
      if (seen.emplace(basket[a].item, true).second) buyers[basket[a].item] += 1;
    }
    seen.clear();
    for (size_t a = 0; a < basket.size(); ++a) {
      for (size_t b = a + 1; b < basket.size(); ++b) {
        if (basket[b].timestamp_ms - basket[a].timestamp_ms > options.basket_window_ms) break;
        const uint32_t i = std::min(basket[a].item, basket[b].item);
        const uint32_t j = std::max(basket[a].item, basket[b].item);
        if (i == j || !seen.emplace((uint64_t{i} << 32) | j, true).second) continue;
        rows[i][j] += 1;
        rows[j][i] += 1;
      }
    }
  }
  for (uint32_t i = 0; i < rows.size(); ++i) {
    for (auto& [j, count] : rows[i]) count /= std::sqrt(buyers[i] * buyers[j]);
  }
  return rows;
}

}  // namespace

absl::Status ValidateSequenceOptions(const SequenceOptions& options) {
  if (options.window < 1) return Invalid("window", "must be >= 1");
  if (options.max_neighbors < 1) return Invalid("maxNeighbors", "must be >= 1");
  if (options.session_length < 1) return Invalid("sessionLength", "must be >= 1");
  if (!UsableDecay(options.gap_decay)) return Invalid("gapDecay", "must be in (0, 1]");
  if (!UsableDecay(options.decay)) return Invalid("decay", "must be in (0, 1]");
  if (!UsableWeight(options.backward)) return Invalid("backward", "must be finite and >= 0");
  if (options.basket_window_ms < 0) return Invalid("basketWindowMs", "must be >= 0");
  return absl::OkStatus();
}

NeighborTable NeighborTable::FromRows(Rows rows, int max_neighbors, bool scale_row_max) {
  NeighborTable table;
  table.begin_.reserve(rows.size() + 1);
  table.begin_.push_back(0);
  std::vector<Neighbor> row;
  for (auto& map : rows) {
    row.clear();
    for (const auto& [item, weight] : map) {
      if (weight > 0) row.push_back({item, weight});
    }
    absl::flat_hash_map<uint32_t, float>().swap(map);  // Free as we go: rows can be large.
    // Strongest first; ties by item so training is deterministic.
    auto stronger = [](const Neighbor& a, const Neighbor& b) {
      return a.weight != b.weight ? a.weight > b.weight : a.item < b.item;
    };
    const size_t keep = std::min(row.size(), static_cast<size_t>(max_neighbors));
    std::partial_sort(row.begin(), row.begin() + keep, row.end(), stronger);
    row.resize(keep);
    const float scale = scale_row_max && !row.empty() ? 1 / row.front().weight : 1;
    for (Neighbor& n : row) n.weight = std::min(1.0f, n.weight * scale);
    table.neighbors_.insert(table.neighbors_.end(), row.begin(), row.end());
    table.begin_.push_back(table.neighbors_.size());
  }
  return table;
}

std::span<const Neighbor> NeighborTable::Row(uint32_t item) const {
  if (item + 1 >= begin_.size()) return {};
  return {neighbors_.data() + begin_[item], neighbors_.data() + begin_[item + 1]};
}

void NeighborTable::AppendTo(std::string* out) const {
  ByteWriter w;
  w.PutVarint(items());
  for (size_t i = 0; i < items(); ++i) {
    const auto row = Row(static_cast<uint32_t>(i));
    w.PutVarint(row.size());
    for (const Neighbor& n : row) w.PutVarint(n.item);
    for (const Neighbor& n : row) w.PutFloats(std::span<const float>(&n.weight, 1));
  }
  out->append(w.data());
}

absl::StatusOr<NeighborTable> NeighborTable::ReadFrom(std::string_view* in) {
  const absl::Status corrupt = absl::DataLossError("corrupt neighbour table");
  ByteReader r(*in);
  uint64_t items = 0;
  if (!r.GetVarint(&items) || items > r.remaining()) return corrupt;
  NeighborTable table;
  table.begin_.reserve(items + 1);
  table.begin_.push_back(0);
  for (uint64_t i = 0; i < items; ++i) {
    uint64_t size = 0;
    if (!r.GetVarint(&size) || size > r.remaining()) return corrupt;
    const size_t first = table.neighbors_.size();
    table.neighbors_.resize(first + size);
    for (uint64_t k = 0; k < size; ++k) {
      uint64_t item = 0;
      if (!r.GetVarint(&item) || item >= items) return corrupt;
      table.neighbors_[first + k].item = static_cast<uint32_t>(item);
    }
    for (uint64_t k = 0; k < size; ++k) {
      float& weight = table.neighbors_[first + k].weight;
      if (!r.GetFloats(std::span<float>(&weight, 1)) || !(weight > 0 && weight <= 1)) {
        return corrupt;
      }
    }
    table.begin_.push_back(table.neighbors_.size());
  }
  in->remove_prefix(in->size() - r.remaining());
  return table;
}

SequenceModel SequenceModel::Train(const InteractionLog& log, const SequenceOptions& options) {
  SequenceModel model;
  model.options_ = options;
  Rows next(log.items().size());
  CountSequences(log, options, &next);
  model.next_ = NeighborTable::FromRows(std::move(next), options.max_neighbors, true);
  model.baskets_ =
      NeighborTable::FromRows(CountBaskets(log, options), options.max_neighbors, false);
  return model;
}

void SequenceModel::Score(std::span<const uint32_t> newest_first,
                          absl::flat_hash_map<uint32_t, float>* scores) const {
  float weight = 1;
  const size_t n = std::min(newest_first.size(), static_cast<size_t>(options_.session_length));
  for (size_t k = 0; k < n; ++k, weight *= options_.decay) {
    for (const Neighbor& neighbor : next_.Row(newest_first[k])) {
      (*scores)[neighbor.item] += weight * neighbor.weight;
    }
  }
}

std::string SequenceModel::Serialize() const {
  ByteWriter w;
  w.PutU8(kMagic0);
  w.PutU8(kMagic1);
  w.PutU8(kVersion);
  w.PutVarint(options_.window);
  w.PutDouble(options_.gap_decay);
  w.PutDouble(options_.backward);
  w.PutVarint(options_.max_neighbors);
  w.PutSignedVarint(options_.basket_window_ms);
  w.PutVarint(options_.session_length);
  w.PutDouble(options_.decay);
  std::string out = w.Take();
  next_.AppendTo(&out);
  baskets_.AppendTo(&out);
  return out;
}

absl::StatusOr<SequenceModel> SequenceModel::Deserialize(std::string_view bytes) {
  const absl::Status corrupt = absl::DataLossError("not a sequence model of this version");
  ByteReader r(bytes);
  uint8_t m0 = 0, m1 = 0, version = 0;
  uint64_t window = 0, max_neighbors = 0, session_length = 0;
  double gap_decay = 0, backward = 0, decay = 0;
  SequenceModel model;
  if (!r.GetU8(&m0) || !r.GetU8(&m1) || !r.GetU8(&version) || m0 != kMagic0 || m1 != kMagic1 ||
      version != kVersion || !r.GetVarint(&window) || !r.GetDouble(&gap_decay) ||
      !r.GetDouble(&backward) || !r.GetVarint(&max_neighbors) ||
      !r.GetSignedVarint(&model.options_.basket_window_ms) || !r.GetVarint(&session_length) ||
      !r.GetDouble(&decay) || window > 1'000'000 || max_neighbors > 1'000'000 ||
      session_length > 1'000'000) {
    return corrupt;
  }
  model.options_.window = static_cast<int>(window);
  model.options_.gap_decay = static_cast<float>(gap_decay);
  model.options_.backward = static_cast<float>(backward);
  model.options_.max_neighbors = static_cast<int>(max_neighbors);
  model.options_.session_length = static_cast<int>(session_length);
  model.options_.decay = static_cast<float>(decay);
  if (!ValidateSequenceOptions(model.options_).ok()) return corrupt;
  std::string_view rest = bytes.substr(bytes.size() - r.remaining());
  AISLE_ASSIGN_OR_RETURN(model.next_, NeighborTable::ReadFrom(&rest));
  AISLE_ASSIGN_OR_RETURN(model.baskets_, NeighborTable::ReadFrom(&rest));
  if (!rest.empty() || model.baskets_.items() != model.next_.items()) return corrupt;
  return model;
}

}  // namespace aisle::ranking
