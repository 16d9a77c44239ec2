#include "server/pricing_handlers.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

absl::Status ReadCompetitorField(std::string_view key, simdjson::ondemand::value value,
                                 store::CompetitorPrice* p) {
  if (key == "productId") {
    AISLE_ASSIGN_OR_RETURN(p->product_id, json::String(value, key));
  } else if (key == "competitor") {
    AISLE_ASSIGN_OR_RETURN(p->competitor, json::String(value, key));
  } else if (key == "region") {
    AISLE_ASSIGN_OR_RETURN(p->region, json::String(value, key));
  } else if (key == "price") {
    if (value.get_double().get(p->price)) return json::TypeError(key, "a number");
  } else if (key == "observedAt") {
    if (value.get_int64().get(p->observed_at_ms)) return json::TypeError(key, "Unix milliseconds");
  } else {
    return InvalidArgumentError(absl::StrCat("unknown field '", std::string(key), "'"), "body");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<store::CompetitorPrice>> ParseCompetitorPrices(std::string_view body) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(padded).get(doc) || doc.get_array().get(array)) {
    return InvalidArgumentError("the body must be a JSON array of competitor prices", "body");
  }
  std::vector<store::CompetitorPrice> prices;
  for (auto item : array) {
    simdjson::ondemand::object object;
    if (item.get_object().get(object)) {
      return InvalidArgumentError("each competitor price is an object", "body");
    }
    store::CompetitorPrice p;
    for (auto field : object) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return json::BodyError("bad key", body, nullptr);
      AISLE_RETURN_IF_ERROR(ReadCompetitorField(key, field.value(), &p));
    }
    if (p.product_id.empty() || p.competitor.empty()) {
      return InvalidArgumentError(
          absl::StrCat("prices[", prices.size(), "]: productId and competitor are required"),
          "body");
    }
    if (!std::isfinite(p.price) || p.price <= 0) {
      return InvalidArgumentError(absl::StrCat("prices[", prices.size(), "]: price must be > 0"),
                                  "body");
    }
    prices.push_back(std::move(p));
  }
  if (const char* at; doc.current_location().get(at) == simdjson::SUCCESS) {
    return json::BodyError("trailing content after the array", body, at);
  }
  return prices;
}

}  // namespace

commerce::CompetitorLookup StoreCompetitorLookup(const store::CompetitorPriceStore* store) {
  return [store](const std::string& product_id, const std::string& region) {
    std::vector<commerce::CompetitorPrice> out;
    auto prices = store->CompetitorPrices(product_id, region);
    if (!prices.ok()) return out;  // No competitor data: the factor stays neutral.
    for (const store::CompetitorPrice& p : *prices) out.push_back({p.price, p.observed_at_ms});
    return out;
  };
}

PricingHandlers::PricingHandlers(const index::ProductIndex* index,
                                 const commerce::PricingService* pricing,
                                 commerce::QuoteBook* quotes,
                                 store::CompetitorPriceStore* competitors)
    : index_(index), pricing_(pricing), quotes_(quotes), competitors_(competitors) {}

void PricingHandlers::Register(Router* router) {
  router->Add("GET", "/v1/products/{id}/price", [this](Request& r) { return GetPrice(r); });
  router->Add(
      "POST", "/v1/competitor-prices", [this](Request& r) { return PostCompetitorPrices(r); },
      RouteTraits{4 << 20, /*blocking=*/true});
}

Response PricingHandlers::GetPrice(Request& request) const {
  const std::string id(request.PathParam("id"));
  auto product = index_->Get(id);
  auto live = product.ok() ? index_->Signals(id) : product.status();
  if (!live.ok()) {
    return FromStatus(absl::IsNotFound(live.status())
                          ? WithErrorCode(live.status(), "product_not_found")
                          : live.status());
  }
  product->price = live->base_price;  // The engine prices from the base price.
  const std::string user(request.Query("userId"));
  auto price = pricing_->Price(*product, user, std::string(request.Query("region")));
  if (!price.ok()) return FromStatus(price.status());
  auto quote = quotes_->Issue(id, user, price->price, price->original_price);
  if (!quote.ok()) return FromStatus(quote.status());
  JsonWriter out;
  out.BeginObject()
      .Key("productId")
      .String(id)
      .Key("price")
      .Double(price->price)
      .Key("originalPrice")
      .Double(price->original_price)
      .Key("discountPercent")
      .Double(price->discount_percent);
  out.Key("factors")
      .BeginObject()
      .Key("demand")
      .Double(price->factors.demand)
      .Key("competition")
      .Double(price->factors.competition)
      .Key("inventory")
      .Double(price->factors.inventory)
      .Key("seasonal")
      .Double(price->factors.seasonal)
      .Key("segment")
      .Double(price->factors.segment)
      .EndObject();
  out.Key("quote")
      .BeginObject()
      .Key("id")
      .String(quote->id)
      .Key("expiresAt")
      .Int(quote->expires_at_ms)
      .EndObject();
  out.EndObject();
  Response response;
  response.body = out.Take();
  return response;
}

Response PricingHandlers::PostCompetitorPrices(Request& request) const {
  auto prices = ParseCompetitorPrices(request.body);
  if (!prices.ok()) return FromStatus(prices.status());
  const size_t n = prices->size();
  if (absl::Status s = competitors_->UpsertCompetitorPrices(std::move(*prices)).get(); !s.ok()) {
    return FromStatus(s);
  }
  JsonWriter out;
  out.BeginObject().Key("stored").Uint(n).EndObject();
  Response response;
  response.body = out.Take();
  return response;
}

}  // namespace aisle::server
