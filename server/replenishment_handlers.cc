#include "server/replenishment_handlers.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

// Stands in for an unknown unit cost when only the demand side of the advice
// is wanted: commerce::Advise insists on an EOQ, whose value is then dropped.
constexpr double kPlaceholderUnitCost = 1;

int64_t WindowStart(int64_t now_ms, int history_days) {
  return std::max<int64_t>(0, now_ms - int64_t{history_days} * commerce::kMillisPerDay);
}

absl::StatusOr<size_t> ParseLimit(std::string_view text, size_t max) {
  size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > max) {
    return InvalidArgumentError(absl::StrCat("limit: expected an integer in [1, ", max, "]"),
                                "limit");
  }
  return value;
}

}  // namespace

struct ReplenishmentHandlers::Assessment {
  std::string product_id;
  // on_hand and reserved are known once the stock was read in full (the
  // list's candidates only know what is available).
  int64_t on_hand = 0;
  int64_t reserved = 0;
  int64_t available = 0;
  // order_quantity is not used: see eoq.
  commerce::ReplenishmentAdvice advice;
  std::optional<double> unit_cost;
  std::optional<int64_t> eoq;  // Absent without a unit cost.

  // Available / average daily demand; absent without demand.
  std::optional<double> DaysOfCover() const {
    if (advice.average_daily_demand <= 0) return std::nullopt;
    return static_cast<double>(available) / advice.average_daily_demand;
  }
  // Fewest days of cover first, products without demand last, then by id.
  static bool MoreUrgent(const Assessment& a, const Assessment& b) {
    const std::optional<double> da = a.DaysOfCover(), db = b.DaysOfCover();
    if (da.has_value() != db.has_value()) return da.has_value();
    if (da && *da != *db) return *da < *db;
    return a.product_id < b.product_id;
  }
};

struct ReplenishmentHandlers::ListQuery {
  bool below_only = true;
  size_t limit = 0;
};

UnitCostLookup CatalogUnitCostLookup(const index::ProductIndex* index) {
  return [index](const std::string& id) -> absl::StatusOr<std::optional<double>> {
    AISLE_ASSIGN_OR_RETURN(const Product product, index->Get(id));
    // 0 is the catalog's "no cost" (the margin signal reads it the same way).
    if (product.cost > 0) return product.cost;
    return std::nullopt;
  };
}

ReplenishmentHandlers::ReplenishmentHandlers(const Clock& clock,
                                             const store::InventoryStore* inventory,
                                             const store::EventStore* events,
                                             UnitCostLookup unit_cost,
                                             ReplenishmentHandlersOptions options)
    : clock_(clock),
      inventory_(inventory),
      events_(events),
      unit_cost_(std::move(unit_cost)),
      options_(std::move(options)) {}

void ReplenishmentHandlers::Register(Router* router) {
  const RouteTraits traits{4096, /*blocking=*/true};
  router->Add(
      "GET", "/v1/inventory/replenishment", [this](Request& r) { return ListProducts(r); },
      traits);
  router->Add(
      "GET", "/v1/inventory/{productId}/replenishment",
      [this](Request& r) { return GetProduct(r); }, traits);
}

absl::StatusOr<std::vector<int64_t>> ReplenishmentHandlers::DailyDemand(
    const std::string& product_id, int64_t now_ms) const {
  const int days = options_.replenishment.history_days;
  std::vector<int64_t> daily(static_cast<size_t>(std::max(days, 0)), 0);
  store::PurchaseHistoryQuery window{.product_id = product_id,
                                     .since_ms = WindowStart(now_ms, days),
                                     .until_ms = now_ms};
  AISLE_RETURN_IF_ERROR(
      events_->ForEachDailyPurchases(window, [&](const store::DailyPurchases& row) {
        if (row.day >= 0 && row.day < days) daily[static_cast<size_t>(row.day)] += row.units;
        return absl::OkStatus();
      }));
  return daily;
}

absl::StatusOr<ReplenishmentHandlers::Assessment> ReplenishmentHandlers::Assess(
    std::string product_id, const std::vector<int64_t>& daily_demand, int64_t available) const {
  commerce::ReplenishmentInput input;
  input.daily_demand = daily_demand;
  input.unit_cost = kPlaceholderUnitCost;
  input.on_hand = available;
  auto advice = commerce::Advise(input, options_.replenishment);
  // Inputs come from the stores and options from wiring: a failure is ours.
  if (!advice.ok()) {
    return absl::InternalError(
        absl::StrCat("replenishment of '", product_id, "': ", advice.status().message()));
  }
  Assessment assessment;
  assessment.product_id = std::move(product_id);
  assessment.available = available;
  assessment.advice = *std::move(advice);
  return assessment;
}

absl::Status ReplenishmentHandlers::SetUnitCost(std::optional<double> unit_cost,
                                                Assessment* assessment) const {
  assessment->unit_cost = unit_cost;
  assessment->eoq.reset();
  if (!unit_cost || !(*unit_cost > 0)) return absl::OkStatus();
  const commerce::ReplenishmentOptions& o = options_.replenishment;
  auto eoq = commerce::EconomicOrderQuantity(assessment->advice.annual_demand, o.ordering_cost,
                                             *unit_cost, o);
  if (!eoq.ok()) {
    return absl::InternalError(absl::StrCat("economic order quantity of '",
                                            assessment->product_id, "': ", eoq.status().message()));
  }
  assessment->eoq = *eoq;
  return absl::OkStatus();
}

// The per-product JSON (docs/API.md "Replenishment").
void ReplenishmentHandlers::Write(const Assessment& a, JsonWriter* out) const {
  const commerce::ReplenishmentOptions& o = options_.replenishment;
  const commerce::ReplenishmentAdvice& advice = a.advice;
  out->BeginObject().Key("productId").String(a.product_id);
  out->Key("onHand").Int(a.on_hand).Key("reserved").Int(a.reserved);
  out->Key("available").Int(a.available);
  out->Key("historyDays").Int(o.history_days);
  out->Key("averageDailyDemand").Double(advice.average_daily_demand);
  out->Key("demandStddev").Double(advice.demand_stddev);
  out->Key("annualDemand").Double(advice.annual_demand);
  out->Key("leadTimeDays").Double(o.lead_time_days);
  out->Key("serviceLevel").Double(o.service_level);
  out->Key("z").Double(commerce::ZForServiceLevel(o.service_level));
  out->Key("leadTimeDemand").Double(advice.lead_time_demand);
  out->Key("safetyStock").Double(advice.safety_stock);
  out->Key("reorderPoint").Int(advice.reorder_point);
  out->Key("unitCost");
  a.unit_cost ? out->Double(*a.unit_cost) : out->Null();
  out->Key("orderingCost").Double(o.ordering_cost);
  out->Key("carryingCostPercent").Double(o.carrying_cost_percent);
  out->Key("economicOrderQuantity");
  a.eoq ? out->Int(*a.eoq) : out->Null();
  out->Key("belowReorderPoint").Bool(advice.below_reorder_point);
  // Order now: the EOQ (unknown without a cost); otherwise nothing.
  out->Key("suggestedOrderQuantity");
  if (!advice.below_reorder_point) {
    out->Int(0);
  } else {
    a.eoq ? out->Int(*a.eoq) : out->Null();
  }
  out->Key("daysOfCover");
  const std::optional<double> cover = a.DaysOfCover();
  cover ? out->Double(*cover) : out->Null();
  out->EndObject();
}

Response ReplenishmentHandlers::GetProduct(Request& request) const {
  const std::string product_id(request.PathParam("productId"));
  const int64_t now_ms = clock_.NowMillis();
  auto stock = inventory_->GetStock(product_id, now_ms);
  if (!stock.ok()) return FromStatus(WithStoreReason(stock.status()));
  auto unit_cost = unit_cost_(product_id);
  if (!unit_cost.ok()) {
    if (!absl::IsNotFound(unit_cost.status())) return FromStatus(unit_cost.status());
    // Stock without a catalog entry is still stock to replenish.
    if (stock->warehouses.empty()) {
      return FromStatus(WithErrorCode(
          absl::NotFoundError(absl::StrCat("product '", product_id,
                                           "' is neither stocked nor in the catalog")),
          "product_not_found"));
    }
    unit_cost = std::nullopt;
  }
  auto daily = DailyDemand(product_id, now_ms);
  if (!daily.ok()) return FromStatus(daily.status());
  auto assessment = Assess(product_id, *daily, stock->available);
  if (!assessment.ok()) return FromStatus(assessment.status());
  assessment->on_hand = stock->on_hand_total;
  assessment->reserved = stock->reserved;
  if (absl::Status s = SetUnitCost(*unit_cost, &*assessment); !s.ok()) return FromStatus(s);
  JsonWriter out;
  Write(*assessment, &out);
  return Response{.body = out.Take()};
}

absl::Status ReplenishmentHandlers::CollectCandidates(const ListQuery& query, int64_t now_ms,
                                                      std::vector<Assessment>* candidates,
                                                      size_t* total) const {
  // Every stocked product and its available units, in product_id order:
  // the order purchases stream in, so the two merge in one pass.
  std::vector<std::pair<std::string, int64_t>> stocked;
  AISLE_RETURN_IF_ERROR(inventory_->ForEachAvailability(
      now_ms, [&](const std::string& product_id, int64_t available) {
        stocked.emplace_back(product_id, available);
        return absl::OkStatus();
      }));
  const int days = options_.replenishment.history_days;
  std::vector<int64_t> daily(static_cast<size_t>(std::max(days, 0)), 0);
  size_t next = 0;            // The first stocked product not reached yet.
  bool accumulating = false;  // `daily` holds stocked[next - 1]'s purchases.

  // Assesses stocked[i] with `daily` (zeros when it had no purchases) and
  // keeps it when it matches; keeps at most about 2 * limit candidates.
  const auto consider = [&](size_t i) -> absl::Status {
    AISLE_ASSIGN_OR_RETURN(Assessment a, Assess(stocked[i].first, daily, stocked[i].second));
    std::fill(daily.begin(), daily.end(), 0);
    if (query.below_only && !a.advice.below_reorder_point) return absl::OkStatus();
    ++*total;
    candidates->push_back(std::move(a));
    if (candidates->size() >= 2 * query.limit) {
      std::nth_element(candidates->begin(), candidates->begin() + query.limit - 1,
                       candidates->end(), Assessment::MoreUrgent);
      candidates->resize(query.limit);
    }
    return absl::OkStatus();
  };
  // Assesses every stocked product that sorts before `product_id`.
  const auto catch_up = [&](std::string_view product_id) -> absl::Status {
    if (accumulating) {
      if (stocked[next - 1].first == product_id) return absl::OkStatus();
      accumulating = false;
      AISLE_RETURN_IF_ERROR(consider(next - 1));
    }
    while (next < stocked.size() && stocked[next].first < product_id) {
      AISLE_RETURN_IF_ERROR(consider(next++));
    }
    return absl::OkStatus();
  };

  const store::PurchaseHistoryQuery window{.since_ms = WindowStart(now_ms, days),
                                           .until_ms = now_ms};
  AISLE_RETURN_IF_ERROR(
      events_->ForEachDailyPurchases(window, [&](const store::DailyPurchases& row) -> absl::Status {
        AISLE_RETURN_IF_ERROR(catch_up(row.product_id));
        if (!accumulating) {
          // Purchases of a product that was never stocked: nothing to reorder.
          if (next == stocked.size() || stocked[next].first != row.product_id) {
            return absl::OkStatus();
          }
          accumulating = true;
          ++next;
        }
        if (row.day >= 0 && row.day < days) daily[static_cast<size_t>(row.day)] += row.units;
        return absl::OkStatus();
      }));
  if (accumulating) AISLE_RETURN_IF_ERROR(consider(next - 1));
  while (next < stocked.size()) AISLE_RETURN_IF_ERROR(consider(next++));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ReplenishmentHandlers::Assessment>> ReplenishmentHandlers::Complete(
    Assessment candidate, const ListQuery& query, int64_t now_ms) const {
  AISLE_ASSIGN_OR_RETURN(const store::ProductStock stock,
                         inventory_->GetStock(candidate.product_id, now_ms));
  // The availability walk and this read are two snapshots: judge the
  // product by the fresher one, so the figures shown agree with each other.
  candidate.on_hand = stock.on_hand_total;
  candidate.reserved = stock.reserved;
  candidate.available = stock.available;
  candidate.advice.inventory_position = stock.available;
  candidate.advice.below_reorder_point = stock.available < candidate.advice.reorder_point;
  if (query.below_only && !candidate.advice.below_reorder_point) return std::nullopt;
  auto unit_cost = unit_cost_(candidate.product_id);
  if (!unit_cost.ok() && !absl::IsNotFound(unit_cost.status())) return unit_cost.status();
  AISLE_RETURN_IF_ERROR(
      SetUnitCost(unit_cost.ok() ? *unit_cost : std::nullopt, &candidate));
  return candidate;
}

Response ReplenishmentHandlers::ListProducts(Request& request) const {
  ListQuery query{.below_only = true, .limit = options_.default_limit};
  for (const auto& [name, value] : request.query) {
    if (name == "belowReorderPoint") {
      if (value != "true" && value != "false") {
        return FromStatus(
            InvalidArgumentError("belowReorderPoint: expected true or false", "belowReorderPoint"));
      }
      query.below_only = value == "true";
    } else if (name == "limit") {
      auto limit = ParseLimit(value, options_.max_limit);
      if (!limit.ok()) return FromStatus(limit.status());
      query.limit = *limit;
    } else {
      return FromStatus(InvalidArgumentError(
          absl::StrCat("unknown parameter '", name, "': use belowReorderPoint, limit"), name));
    }
  }
  const int64_t now_ms = clock_.NowMillis();
  std::vector<Assessment> candidates;
  size_t total = 0;
  if (absl::Status s = CollectCandidates(query, now_ms, &candidates, &total); !s.ok()) {
    return FromStatus(s);
  }
  std::sort(candidates.begin(), candidates.end(), Assessment::MoreUrgent);
  if (candidates.size() > query.limit) candidates.resize(query.limit);

  JsonWriter out;
  out.BeginObject().Key("products").BeginArray();
  for (Assessment& candidate : candidates) {
    auto listed = Complete(std::move(candidate), query, now_ms);
    if (!listed.ok()) return FromStatus(WithStoreReason(listed.status()));
    if (*listed) Write(**listed, &out);
  }
  out.EndArray().Key("total").Uint(total).EndObject();
  return Response{.body = out.Take()};
}

}  // namespace aisle::server
