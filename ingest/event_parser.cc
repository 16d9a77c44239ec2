#include "ingest/event_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "proto/aisle.pb.h"

namespace aisle::ingest {
namespace {

namespace sj = simdjson;

absl::Status Reason(std::string_view field, std::string_view what) {
  return InvalidArgumentError(absl::StrCat(std::string(field), ": ", std::string(what)), field);
}

absl::Status ReadString(sj::ondemand::value value, std::string_view field, std::string* out) {
  std::string_view s;
  if (value.get_string().get(s)) return Reason(field, "expected a string");
  out->assign(s);
  return absl::OkStatus();
}

absl::Status ReadMetadata(sj::ondemand::value value, EventMetadata* metadata) {
  sj::ondemand::object object;
  if (value.get_object().get(object)) return Reason("metadata", "expected an object");
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Reason("metadata", "unreadable key");
    if (key == "brand") {
      AISLE_RETURN_IF_ERROR(ReadString(field.value(), "metadata.brand", &metadata->brand));
    } else if (key == "query") {
      AISLE_RETURN_IF_ERROR(ReadString(field.value(), "metadata.query", &metadata->query));
    } else if (key == "price") {
      double price;
      if (field.value().get_double().get(price))
        return Reason("metadata.price", "expected a number");
      metadata->price = price;
    } else {
      return Reason("metadata", absl::StrCat("unknown field '", std::string(key), "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadEventField(std::string_view key, sj::ondemand::value value, Event* event) {
  if (key == "type") {
    std::string type;
    AISLE_RETURN_IF_ERROR(ReadString(value, "type", &type));
    auto parsed = ParseEventType(type);
    if (!parsed) {
      return Reason("type", absl::StrCat("unknown event type '", type,
                                         "': use view, click, cart_add, purchase, "
                                         "wishlist_add or search"));
    }
    event->type = *parsed;
  } else if (key == "userId") {
    return ReadString(value, "userId", &event->user_id);
  } else if (key == "sessionId") {
    return ReadString(value, "sessionId", &event->session_id);
  } else if (key == "productId") {
    return ReadString(value, "productId", &event->product_id);
  } else if (key == "category") {
    return ReadString(value, "category", &event->category);
  } else if (key == "timestamp") {
    int64_t ts;
    if (value.get_int64().get(ts)) return Reason("timestamp", "expected Unix milliseconds");
    event->timestamp_ms = ts;
  } else if (key == "metadata") {
    return ReadMetadata(value, &event->metadata);
  } else {
    return Reason(key, "unknown event field");
  }
  return absl::OkStatus();
}

// Decodes one object; a structural (syntax) error is returned as `fatal`.
absl::Status DecodeEvent(sj::ondemand::object& object, Event* event, sj::error_code* fatal) {
  bool has_type = false;
  absl::Status first;
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) {
      *fatal = e;
      return Reason("body", sj::error_message(e));
    }
    if (key == "type") has_type = true;
    absl::Status s = ReadEventField(key, field.value(), event);
    if (!s.ok() && first.ok()) first = s;
  }
  if (!first.ok()) return first;
  if (!has_type) return Reason("type", "required");
  return absl::OkStatus();
}

// The 1-based line of byte offsets into `body`, asked in increasing order:
// each call counts only the newlines since the previous one (counting from
// the start for every event made a 1000-event array cost ~125 MB of scanning,
// a quarter of the server's CPU under ingest load).
class LineCounter {
 public:
  explicit LineCounter(std::string_view body) : body_(body) {}
  size_t LineOf(size_t offset) {
    offset = std::min(offset, body_.size());
    if (offset < offset_) {  // Not expected; stay correct anyway.
      offset_ = 0;
      line_ = 1;
    }
    for (; offset_ < offset; ++offset_) line_ += body_[offset_] == '\n';
    return line_;
  }

 private:
  std::string_view body_;
  size_t offset_ = 0;
  size_t line_ = 1;
};

class Collector {
 public:
  Collector(int64_t now_ms, const EventLimits& limits) : now_ms_(now_ms), limits_(limits) {}

  void Add(Event event, absl::Status decoded, size_t line) {
    const size_t index = out_.events.size() + out_.rejected.size();
    if (decoded.ok()) {
      if (event.timestamp_ms == 0) event.timestamp_ms = now_ms_;
      decoded = ValidateEvent(event, now_ms_, limits_);
    }
    if (!decoded.ok()) {
      out_.rejected.push_back({index, line, event.product_id, std::string(decoded.message())});
      return;
    }
    out_.events.push_back(std::move(event));
  }
  size_t count() const { return out_.events.size() + out_.rejected.size(); }
  ParsedEvents Take() { return std::move(out_); }

 private:
  int64_t now_ms_;
  const EventLimits& limits_;
  ParsedEvents out_;
};

absl::Status TooMany(const EventLimits& limits) {
  return InvalidArgumentError(absl::StrCat("at most ", limits.max_events, " events per request"),
                              "body");
}

absl::StatusOr<ParsedEvents> ParseJson(std::string_view body, int64_t now_ms,
                                       const EventLimits& limits) {
  sj::ondemand::parser parser;
  sj::padded_string padded(body);
  sj::ondemand::document doc;
  Collector collector(now_ms, limits);
  LineCounter lines(body);
  auto whole = [&](sj::error_code e) {
    return InvalidArgumentError(absl::StrCat("malformed JSON body: ", sj::error_message(e)),
                                "body");
  };
  if (auto e = parser.iterate(padded).get(doc)) return whole(e);
  sj::ondemand::json_type type;
  if (auto e = doc.type().get(type)) return whole(e);
  auto decode_one = [&](sj::ondemand::object object, size_t offset) -> absl::Status {
    Event event;
    sj::error_code fatal = sj::SUCCESS;
    absl::Status s = DecodeEvent(object, &event, &fatal);
    if (fatal != sj::SUCCESS) return whole(fatal);
    collector.Add(std::move(event), s, lines.LineOf(offset));
    return absl::OkStatus();
  };
  if (type == sj::ondemand::json_type::object) {
    sj::ondemand::object object;
    if (auto e = doc.get_object().get(object)) return whole(e);
    AISLE_RETURN_IF_ERROR(decode_one(object, 0));
  } else if (type == sj::ondemand::json_type::array) {
    sj::ondemand::array array;
    if (auto e = doc.get_array().get(array)) return whole(e);
    for (auto item : array) {
      const char* at = nullptr;
      size_t offset = 0;
      if (!item.current_location().get(at)) offset = static_cast<size_t>(at - padded.data());
      sj::ondemand::object object;
      if (auto e = item.get_object().get(object)) {
        if (e != sj::INCORRECT_TYPE) return whole(e);
        collector.Add(Event{}, Reason("event", "expected an object"), lines.LineOf(offset));
      } else {
        AISLE_RETURN_IF_ERROR(decode_one(object, offset));
      }
      if (collector.count() > limits.max_events) return TooMany(limits);
    }
  } else {
    return InvalidArgumentError("the body must be an event object or an array of events", "body");
  }
  if (const char* at; doc.current_location().get(at) == sj::SUCCESS) {
    return InvalidArgumentError("trailing content after the JSON value", "body",
                                static_cast<size_t>(at - padded.data()));
  }
  return collector.Take();
}

absl::StatusOr<ParsedEvents> ParseNdjson(std::string_view body, int64_t now_ms,
                                         const EventLimits& limits) {
  Collector collector(now_ms, limits);
  sj::ondemand::parser parser;
  size_t line = 0;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view text = body.substr(start, end - start);
    ++line;
    start = end + 1;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Event event;
    absl::Status status;
    sj::padded_string padded(text);
    sj::ondemand::document doc;
    sj::ondemand::object object;
    if (auto e = parser.iterate(padded).get(doc); e || doc.get_object().get(object)) {
      status = Reason("line", "not a JSON object");
    } else {
      sj::error_code fatal = sj::SUCCESS;
      status = DecodeEvent(object, &event, &fatal);
      if (fatal != sj::SUCCESS) status = Reason("line", sj::error_message(fatal));
      if (const char* at; status.ok() && doc.current_location().get(at) == sj::SUCCESS) {
        status = Reason("line", "trailing content after the object");
      }
    }
    collector.Add(std::move(event), status, line);
    if (collector.count() > limits.max_events) return TooMany(limits);
  }
  return collector.Take();
}

absl::StatusOr<ParsedEvents> ParseProtobuf(std::string_view body, int64_t now_ms,
                                           const EventLimits& limits) {
  pb::EventBatch batch;
  if (!batch.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("the body is not an aisle.pb.EventBatch", "body");
  }
  if (static_cast<size_t>(batch.events_size()) > limits.max_events) return TooMany(limits);
  Collector collector(now_ms, limits);
  for (const pb::Event& in : batch.events()) {
    Event event;
    absl::Status status;
    if (in.type() < pb::VIEW || in.type() > pb::SEARCH) {
      status = Reason("type", "unknown or unspecified event type");
    } else {
      event.type = static_cast<EventType>(in.type() - pb::VIEW);
    }
    event.user_id = in.user_id();
    event.session_id = in.session_id();
    event.product_id = in.product_id();
    event.category = in.category();
    event.timestamp_ms = in.timestamp();
    event.metadata.brand = in.metadata().brand();
    event.metadata.query = in.metadata().query();
    if (in.metadata().has_price()) event.metadata.price = in.metadata().price();
    collector.Add(std::move(event), status, 0);
  }
  return collector.Take();
}

absl::Status CheckText(std::string_view field, const std::string& value, size_t max_bytes) {
  if (value.size() > max_bytes) {
    return Reason(field, absl::StrCat("longer than ", max_bytes, " bytes"));
  }
  if (auto bad = FindInvalidUtf8(value)) {
    return Reason(field, absl::StrCat("invalid UTF-8 at byte ", *bad));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateEvent(const Event& e, int64_t now_ms, const EventLimits& limits) {
  if (e.user_id.empty()) return Reason("userId", "required");
  if (e.session_id.empty()) return Reason("sessionId", "required");
  if (e.type != EventType::kSearch && e.product_id.empty()) {
    return Reason("productId", "required for this event type");
  }
  if (e.type == EventType::kSearch && e.metadata.query.empty() && e.product_id.empty()) {
    return Reason("metadata.query", "required for a search event");
  }
  AISLE_RETURN_IF_ERROR(CheckText("userId", e.user_id, limits.max_id_bytes));
  AISLE_RETURN_IF_ERROR(CheckText("sessionId", e.session_id, limits.max_id_bytes));
  AISLE_RETURN_IF_ERROR(CheckText("productId", e.product_id, limits.max_id_bytes));
  AISLE_RETURN_IF_ERROR(CheckText("category", e.category, limits.max_text_bytes));
  AISLE_RETURN_IF_ERROR(CheckText("metadata.brand", e.metadata.brand, limits.max_text_bytes));
  AISLE_RETURN_IF_ERROR(CheckText("metadata.query", e.metadata.query, limits.max_text_bytes));
  if (e.metadata.price && (!std::isfinite(*e.metadata.price) || *e.metadata.price < 0)) {
    return Reason("metadata.price", "must be a finite number >= 0");
  }
  if (e.timestamp_ms > now_ms + limits.max_future_skew_ms) {
    return Reason("timestamp", "is in the future");
  }
  if (e.timestamp_ms < now_ms - limits.max_age_ms) {
    return Reason("timestamp", "is older than the accepted window");
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedEvents> ParseEvents(std::string_view body, Format format, int64_t now_ms,
                                         const EventLimits& limits) {
  switch (format) {
    case Format::kJson:
      return ParseJson(body, now_ms, limits);
    case Format::kNdjson:
      return ParseNdjson(body, now_ms, limits);
    case Format::kProtobuf:
      return ParseProtobuf(body, now_ms, limits);
  }
  return absl::InvalidArgumentError("unknown format");
}

}  // namespace aisle::ingest
