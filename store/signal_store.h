// SignalStore: the durable copy of the live product signals that index/ keeps
// in memory (base price, stock, popularity, cost), restored at start-up.
//
// Thread-safety: as EventStore (writes return futures completed after
// commit; reads run on the calling thread and touch the disk).
#ifndef AISLE_STORE_SIGNAL_STORE_H_
#define AISLE_STORE_SIGNAL_STORE_H_

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace aisle::store {

// A partial update: only the present fields change.
struct SignalUpdate {
  std::string product_id;
  std::optional<double> base_price;  // Finite, >= 0.
  std::optional<int64_t> stock;      // >= 0.
  std::optional<double> popularity;  // Finite.
  std::optional<double> cost;        // Finite, >= 0.
  int64_t updated_at_ms = 0;         // 0 = the store clock's now.
};

// The stored state of one product; a field never set is absent.
struct ProductSignal {
  std::string product_id;
  std::optional<double> base_price;
  std::optional<int64_t> stock;
  std::optional<double> popularity;
  std::optional<double> cost;
  int64_t updated_at_ms = 0;  // Of the last update that touched the product.
  bool operator==(const ProductSignal&) const = default;
};

using SignalCallback = std::function<absl::Status(const ProductSignal&)>;

class SignalStore {
 public:
  virtual ~SignalStore() = default;

  // Applies the updates in order, atomically (all or none): a product seen
  // for the first time is created with the given fields; for a known one the
  // present fields replace the stored ones and the others are kept. A field
  // cannot be cleared once set. InvalidArgument ("updates[i]: ...") for an
  // empty or non-UTF-8 product_id, an update without any field, or a value
  // out of range; then nothing is written. An empty batch succeeds at once.
  virtual std::future<absl::Status> UpsertSignals(std::vector<SignalUpdate> updates) = 0;

  // Deletes the products' signals (catalog deletions); returns how many
  // existed. Unknown ids are not an error.
  virtual std::future<absl::StatusOr<int64_t>> DeleteSignals(
      std::vector<std::string> product_ids) = 0;

  // nullopt when the product has no stored signals.
  virtual absl::StatusOr<std::optional<ProductSignal>> GetSignal(
      std::string_view product_id) const = 0;

  // Every product's signals, ordered by product_id, from one snapshot.
  virtual absl::Status ForEachSignal(const SignalCallback& callback) const = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_SIGNAL_STORE_H_
