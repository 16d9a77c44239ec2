// Parses behaviour-event bodies (one JSON event, a JSON array, NDJSON, or a
// protobuf EventBatch) into validated Events. As with products, a bad event
// is rejected with its index, line and reason and the valid rest is returned.
//
// Thread-safe: pure functions.
#ifndef AISLE_INGEST_EVENT_PARSER_H_
#define AISLE_INGEST_EVENT_PARSER_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/event.h"
#include "base/status.h"
#include "ingest/product_parser.h"

namespace aisle::ingest {

struct EventLimits {
  size_t max_events = 100000;            // Per request; more is a whole-request error.
  size_t max_id_bytes = 256;             // userId, sessionId, productId.
  size_t max_text_bytes = 512;           // category, metadata.brand, metadata.query.
  int64_t max_future_skew_ms = 300000;   // A timestamp later than now + 5 min is rejected.
  int64_t max_age_ms = 30LL * 86400000;  // Older than 30 days is rejected.
};

struct ParsedEvents {
  std::vector<Event> events;
  std::vector<Rejection> rejected;
};

// JSON fields: type ("view", "click", "cart_add", "purchase", "wishlist_add",
// "search"), userId, sessionId (required), productId (required but for
// "search"), category, timestamp (Unix ms; absent or 0 = now_ms), metadata
// {brand, price, query}. Unknown fields are errors (a misspelt field should
// not silently vanish).
absl::StatusOr<ParsedEvents> ParseEvents(std::string_view body, Format format, int64_t now_ms,
                                         const EventLimits& limits = {});

// Checks one event (after defaults were applied). Returns the reason.
absl::Status ValidateEvent(const Event& event, int64_t now_ms, const EventLimits& limits = {});

}  // namespace aisle::ingest

#endif  // AISLE_INGEST_EVENT_PARSER_H_
