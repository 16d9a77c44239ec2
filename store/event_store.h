// EventStore: the durable log of behaviour events (base/event.h), replayed at
// start-up to rebuild the in-memory demand counters and preferences.
//
// Thread-safety: every method may be called from any thread. Writes return a
// future that completes once the write is committed (durable with the
// store's default synchronous=FULL); reads run on the calling thread and touch
// the disk, so call them off the I/O threads.
#ifndef AISLE_STORE_EVENT_STORE_H_
#define AISLE_STORE_EVENT_STORE_H_

#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/event.h"
#include "base/status.h"

namespace aisle::store {

// Filters for CountEvents; absent fields match everything.
struct EventCountQuery {
  std::optional<std::string> product_id;
  std::optional<std::string> user_id;
  std::optional<EventType> type;
  int64_t since_ms = 0;                                    // Inclusive.
  int64_t until_ms = std::numeric_limits<int64_t>::max();  // Exclusive.
};

// Returning an error stops the iteration; the error is returned.
using EventCallback = std::function<absl::Status(const Event&)>;

// The window of ForEachDailyPurchases: 24-hour days counted from since_ms
// (day d covers [since_ms + d * 24 h, since_ms + (d + 1) * 24 h)), cut at
// until_ms. Day boundaries follow since_ms, not the calendar, so a window
// ending "now" buckets exactly as commerce::DailyDemand does.
struct PurchaseHistoryQuery {
  std::optional<std::string> product_id;  // Absent: every product.
  int64_t since_ms = 0;                   // Inclusive; >= 0.
  int64_t until_ms = std::numeric_limits<int64_t>::max();  // Exclusive.
};

// Units of one product purchased on one day of a PurchaseHistoryQuery.
struct DailyPurchases {
  std::string product_id;
  int64_t day = 0;    // >= 0, from the query's since_ms.
  int64_t units = 0;  // >= 1: days without purchases are not reported.
  bool operator==(const DailyPurchases&) const = default;
};

using DailyPurchasesCallback = std::function<absl::Status(const DailyPurchases&)>;

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends a batch atomically (all or none). Every event is checked first:
  // a known type, non-empty user_id and session_id, product_id unless
  // kSearch, timestamp_ms >= 0 (0 = the store clock's now), a finite
  // non-negative metadata.price, valid UTF-8; the first bad one fails the
  // whole batch with InvalidArgument ("events[i]: ...", field = its name)
  // and nothing is written. An empty batch succeeds at once.
  virtual std::future<absl::Status> AppendEvents(std::vector<Event> events) = 0;

  // Streams events with timestamp_ms >= since_ms in timestamp order (ties in
  // arrival order) from one consistent snapshot.
  virtual absl::Status ForEachEventSince(int64_t since_ms, const EventCallback& callback) const = 0;

  // The user's `limit` most recent events (by timestamp, ties by arrival),
  // newest first. Cost: an index lookup plus a scan of the events not yet in
  // the per-user index (at most about StoreOptions::user_index_batch).
  virtual absl::StatusOr<std::vector<Event>> RecentEventsForUser(std::string_view user_id,
                                                                 size_t limit) const = 0;

  // The demand history behind replenishment (commerce/replenishment.h):
  // purchase events per product per day of the window, one aggregate query
  // from one snapshot, streamed in (product_id, day) order. Units are events:
  // an event carries no quantity, so a purchase of n units is n events.
  // InvalidArgument for since_ms < 0. Cost: a range scan of events_by_time
  // over the window (every type, every product; there is no index by
  // product or type), so it grows with the window's traffic, not with the
  // products asked for; call it off the I/O threads.
  virtual absl::Status ForEachDailyPurchases(const PurchaseHistoryQuery& query,
                                             const DailyPurchasesCallback& callback) const = 0;

  // Scans the time window; meant for tests and operators, not hot paths.
  virtual absl::StatusOr<int64_t> CountEvents(const EventCountQuery& query) const = 0;

  // Retention: deletes events with timestamp_ms < before_ms and returns how
  // many. Works in chunks, each its own transaction, so other writes keep
  // being acknowledged meanwhile; a failure may leave earlier chunks deleted.
  virtual std::future<absl::StatusOr<int64_t>> DeleteEventsBefore(int64_t before_ms) = 0;

  // Erasure of one user's history (InvalidArgument for an empty user_id);
  // returns how many events were deleted.
  virtual std::future<absl::StatusOr<int64_t>> DeleteUserEvents(std::string user_id) = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_EVENT_STORE_H_
