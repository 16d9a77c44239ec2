#include "server/event_handlers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/body_format.h"
#include "server/errors.h"
#include "server/json_writer.h"

namespace aisle::server {

EventHandlers::EventHandlers(store::EventStore* events, const Clock* clock, Listener on_accepted,
                             ingest::EventLimits limits)
    : events_(events), clock_(clock), on_accepted_(std::move(on_accepted)), limits_(limits) {}

void EventHandlers::Register(Router* router) {
  router->Add(
      "POST", "/v1/events", [this](Request& r) { return PostEvents(r); },
      RouteTraits{16 << 20, /*blocking=*/true});
}

Response EventHandlers::PostEvents(Request& request) const {
  auto format = BodyFormat(request);
  if (!format.ok()) return FromStatus(format.status());
  auto parsed = ingest::ParseEvents(request.body, *format, clock_->NowMillis(), limits_);
  if (!parsed.ok()) return FromStatus(parsed.status());
  const size_t accepted = parsed->events.size();
  if (accepted > 0) {
    // Copy for the listener: the store takes its batch by value.
    std::vector<Event> events = parsed->events;
    if (absl::Status s = events_->AppendEvents(std::move(events)).get(); !s.ok()) {
      return FromStatus(s);
    }
    if (on_accepted_) on_accepted_(parsed->events);
  }
  const bool all_rejected = accepted == 0 && !parsed->rejected.empty();
  JsonWriter out;
  out.BeginObject();
  if (all_rejected) {
    out.Key("error").BeginObject().Key("code").String("all_events_rejected");
    out.Key("message").String(
        absl::StrCat("all ", parsed->rejected.size(),
                     " events were rejected; first: ", parsed->rejected.front().reason));
    out.EndObject();
  }
  out.Key("accepted").Uint(accepted).Key("rejectedCount").Uint(parsed->rejected.size());
  WriteRejections(parsed->rejected, &out);
  out.EndObject();
  Response response;
  response.status = all_rejected ? 422 : 200;
  response.body = out.Take();
  return response;
}

}  // namespace aisle::server
