// POST /v1/events: behaviour events (one JSON event, a JSON array, NDJSON or a
// protobuf EventBatch). Valid events are committed to the event store
// (durable before the response, batched with concurrent requests by the
// store's group commit), then handed to `on_accepted` (in-memory demand
// counters, preferences). Bad events are reported with their reason and
// never stored.
//
// Thread-safe; runs on the blocking pool.
#ifndef AISLE_SERVER_EVENT_HANDLERS_H_
#define AISLE_SERVER_EVENT_HANDLERS_H_

#include <functional>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "ingest/event_parser.h"
#include "server/http.h"
#include "server/router.h"
#include "store/event_store.h"

namespace aisle::server {

class EventHandlers {
 public:
  using Listener = std::function<void(const std::vector<Event>& accepted)>;

  // Pointers are not owned and must outlive the handlers. `on_accepted` runs
  // after the commit, on the request's thread.
  EventHandlers(store::EventStore* events, const Clock* clock, Listener on_accepted,
                ingest::EventLimits limits = {});

  void Register(Router* router);
  Response PostEvents(Request& request) const;

 private:
  store::EventStore* events_;
  const Clock* clock_;
  Listener on_accepted_;
  ingest::EventLimits limits_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_EVENT_HANDLERS_H_
