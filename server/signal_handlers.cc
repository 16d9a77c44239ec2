#include "server/signal_handlers.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/aisle.pb.h"
#include "server/body_format.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxUpdates = 100000;

absl::Status CheckUpdate(const index::SignalUpdate& u, size_t i) {
  auto bad = [&](const std::string& what) {
    return InvalidArgumentError(absl::StrCat("updates[", i, "]: ", what), "body");
  };
  if (u.product_id.empty()) return bad("productId is required");
  const bool any = u.base_price || u.stock || u.popularity || u.cost;
  if (!any) return bad("set at least one of price, stock, popularity, cost");
  auto finite_non_negative = [](const std::optional<double>& v) {
    return !v || (std::isfinite(*v) && *v >= 0);
  };
  if (!finite_non_negative(u.base_price)) return bad("price must be a finite number >= 0");
  if (!finite_non_negative(u.cost)) return bad("cost must be a finite number >= 0");
  if (u.popularity && !std::isfinite(*u.popularity)) return bad("popularity must be finite");
  if (u.stock && *u.stock < 0) return bad("stock must be >= 0");
  return absl::OkStatus();
}

// One update object: {"productId"|"id": "...", "price", "stock", "popularity", "cost"}.
absl::Status ReadUpdateField(std::string_view key, simdjson::ondemand::value value,
                             index::SignalUpdate* u) {
  if (key == "productId" || key == "id") {
    AISLE_ASSIGN_OR_RETURN(u->product_id, json::String(value, key));
  } else if (key == "price") {
    u->base_price.emplace();
    return json::Number(value, key, &*u->base_price);
  } else if (key == "stock") {
    int64_t stock;
    if (value.get_int64().get(stock)) return json::TypeError(key, "an integer");
    u->stock = stock;
  } else if (key == "popularity") {
    u->popularity.emplace();
    return json::Number(value, key, &*u->popularity);
  } else if (key == "cost") {
    u->cost.emplace();
    return json::Number(value, key, &*u->cost);
  } else {
    return InvalidArgumentError(absl::StrCat("unknown signal field '", std::string(key),
                                             "': use productId, price, stock, popularity, cost"),
                                "body");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<index::SignalUpdate>> ParseJsonArray(std::string_view body) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(padded).get(doc) || doc.get_array().get(array)) {
    return InvalidArgumentError("the body must be a JSON array of signal updates", "body");
  }
  std::vector<index::SignalUpdate> updates;
  for (auto item : array) {
    simdjson::ondemand::object object;
    if (item.get_object().get(object)) {
      return InvalidArgumentError(absl::StrCat("updates[", updates.size(), "]: not an object"),
                                  "body");
    }
    index::SignalUpdate u;
    for (auto field : object) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return json::BodyError("bad key", body, nullptr);
      AISLE_RETURN_IF_ERROR(ReadUpdateField(key, field.value(), &u));
    }
    if (updates.size() == kMaxUpdates) {
      return InvalidArgumentError(absl::StrCat("at most ", kMaxUpdates, " updates"), "body");
    }
    updates.push_back(std::move(u));
  }
  if (const char* at; doc.current_location().get(at) == simdjson::SUCCESS) {
    return json::BodyError("trailing content after the array", body, at);
  }
  return updates;
}

absl::StatusOr<std::vector<index::SignalUpdate>> ParseNdjson(std::string_view body) {
  std::vector<index::SignalUpdate> updates;
  size_t line_number = 0;
  while (!body.empty()) {
    const size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    index::SignalUpdate u;
    absl::Status s = json::ForEachField(
        line, 4, [&](std::string_view key, auto value) { return ReadUpdateField(key, value, &u); });
    if (!s.ok()) {
      return InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", std::string(s.message())), "body");
    }
    if (updates.size() == kMaxUpdates) {
      return InvalidArgumentError(absl::StrCat("at most ", kMaxUpdates, " updates"), "body");
    }
    updates.push_back(std::move(u));
  }
  return updates;
}

absl::StatusOr<std::vector<index::SignalUpdate>> ParseProtobuf(std::string_view body) {
  pb::SignalBatch batch;
  if (!batch.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("the body is not an aisle.pb.SignalBatch", "body");
  }
  std::vector<index::SignalUpdate> updates;
  for (const pb::SignalUpdate& in : batch.updates()) {
    index::SignalUpdate u;
    u.product_id = in.product_id();
    if (in.has_price()) u.base_price = in.price();
    if (in.has_stock()) u.stock = in.stock();
    if (in.has_popularity()) u.popularity = in.popularity();
    if (in.has_cost()) u.cost = in.cost();
    updates.push_back(std::move(u));
  }
  return updates;
}

absl::StatusOr<std::vector<index::SignalUpdate>> ParseUpdates(const Request& request) {
  AISLE_ASSIGN_OR_RETURN(const ingest::Format format, BodyFormat(request));
  absl::StatusOr<std::vector<index::SignalUpdate>> updates =
      format == ingest::Format::kJson     ? ParseJsonArray(request.body)
      : format == ingest::Format::kNdjson ? ParseNdjson(request.body)
                                          : ParseProtobuf(request.body);
  if (!updates.ok()) return updates.status();
  for (size_t i = 0; i < updates->size(); ++i) AISLE_RETURN_IF_ERROR(CheckUpdate((*updates)[i], i));
  return updates;
}

std::vector<store::SignalUpdate> ToStore(const std::vector<index::SignalUpdate>& updates,
                                         const std::vector<std::string>& unknown) {
  std::vector<store::SignalUpdate> out;
  out.reserve(updates.size());
  for (const index::SignalUpdate& u : updates) {
    if (std::find(unknown.begin(), unknown.end(), u.product_id) != unknown.end()) continue;
    out.push_back({u.product_id, u.base_price, u.stock, u.popularity, u.cost, 0});
  }
  return out;
}

void WriteSignals(const index::LiveSignals& live, JsonWriter* out) {
  out->BeginObject().Key("price").Double(live.price).Key("basePrice").Double(live.base_price);
  out->Key("stock");
  if (live.stock) {
    out->Int(*live.stock);
  } else {
    out->Null();
  }
  out->Key("inStock").Bool(live.in_stock).Key("demand").Double(live.demand).EndObject();
}

}  // namespace

SignalHandlers::SignalHandlers(index::ProductIndex* index, store::SignalStore* signals)
    : index_(index), signals_(signals) {}

void SignalHandlers::Register(Router* router) {
  const RouteTraits bulk{32 << 20, /*blocking=*/true};
  router->Add(
      "POST", "/v1/products/signals", [this](Request& r) { return UpdateSignals(r); }, bulk);
  router->Add("GET", "/v1/products/{id}/signals", [this](Request& r) { return GetSignals(r); });
}

absl::StatusOr<index::SignalUpdateResult> SignalHandlers::Apply(
    const std::vector<index::SignalUpdate>& updates) const {
  // Index first: it knows which ids exist, and a signal for a product that is
  // not in the catalog is reported rather than stored. The response waits for
  // the store's commit, so what is acknowledged survives a crash.
  AISLE_ASSIGN_OR_RETURN(index::SignalUpdateResult result, index_->UpdateSignals(updates));
  std::vector<store::SignalUpdate> durable = ToStore(updates, result.unknown_ids);
  if (!durable.empty()) AISLE_RETURN_IF_ERROR(signals_->UpsertSignals(std::move(durable)).get());
  return result;
}

absl::Status SignalHandlers::Forget(const std::vector<std::string>& product_ids) const {
  if (product_ids.empty()) return absl::OkStatus();
  return signals_->DeleteSignals(product_ids).get().status();
}

Response SignalHandlers::UpdateSignals(Request& request) const {
  auto updates = ParseUpdates(request);
  if (!updates.ok()) return FromStatus(updates.status());
  auto result = Apply(*updates);
  if (!result.ok()) return FromStatus(result.status());
  JsonWriter out;
  out.BeginObject().Key("applied").Uint(result->applied).Key("unknownIds").BeginArray();
  for (const auto& id : result->unknown_ids) out.String(id);
  out.EndArray().EndObject();
  Response response;
  response.body = out.Take();
  return response;
}

Response SignalHandlers::GetSignals(Request& request) const {
  auto live = index_->Signals(request.PathParam("id"));
  if (!live.ok()) {
    return FromStatus(absl::IsNotFound(live.status())
                          ? WithErrorCode(live.status(), "product_not_found")
                          : live.status());
  }
  JsonWriter out;
  WriteSignals(*live, &out);
  Response response;
  response.body = out.Take();
  return response;
}

absl::StatusOr<std::optional<index::SignalUpdate>> SignalHandlers::SignalOnlyPatch(
    std::string_view id, std::string_view body) {
  index::SignalUpdate u;
  u.product_id = std::string(id);
  bool other_fields = false;
  AISLE_RETURN_IF_ERROR(json::ForEachField(body, 4, [&](std::string_view key, auto value) {
    if (key != "price" && key != "stock" && key != "popularity" && key != "cost") {
      other_fields = true;
      return absl::OkStatus();
    }
    return ReadUpdateField(key, value, &u);
  }));
  if (other_fields || !(u.base_price || u.stock || u.popularity || u.cost)) return std::nullopt;
  AISLE_RETURN_IF_ERROR(CheckUpdate(u, 0));
  return u;
}

absl::Status RestoreSignals(const store::SignalStore& signals, index::ProductIndex* index) {
  std::vector<index::SignalUpdate> batch;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    auto result = index->UpdateSignals(batch);
    batch.clear();
    return result.status();
  };
  AISLE_RETURN_IF_ERROR(signals.ForEachSignal([&](const store::ProductSignal& s) {
    batch.push_back({.product_id = s.product_id,
                     .base_price = s.base_price,
                     .stock = s.stock,
                     .popularity = s.popularity,
                     .cost = s.cost});
    return batch.size() >= 10000 ? flush() : absl::OkStatus();
  }));
  return flush();
}

}  // namespace aisle::server
