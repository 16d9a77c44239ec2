// SQLite implementations of SignalStore and CompetitorPriceStore.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store::internal {
namespace {

bool FiniteNonNegative(double value) { return std::isfinite(value) && value >= 0; }

absl::Status CheckSignalUpdate(const SignalUpdate& u, size_t i) {
  AISLE_RETURN_IF_ERROR(CheckRequiredText(u.product_id, "updates", i, "product_id"));
  if (!u.base_price && !u.stock && !u.popularity && !u.cost) {
    return BadItem("updates", i, "product_id", "no signal to update");
  }
  if (u.base_price && !FiniteNonNegative(*u.base_price)) {
    return BadItem("updates", i, "base_price", "must be a finite number >= 0");
  }
  if (u.stock && *u.stock < 0) return BadItem("updates", i, "stock", "must be >= 0");
  if (u.popularity && !std::isfinite(*u.popularity)) {
    return BadItem("updates", i, "popularity", "must be a finite number");
  }
  if (u.cost && !FiniteNonNegative(*u.cost)) {
    return BadItem("updates", i, "cost", "must be a finite number >= 0");
  }
  if (u.updated_at_ms < 0) return BadItem("updates", i, "updated_at_ms", "must be >= 0");
  return absl::OkStatus();
}

// One statement per row: absent fields bind NULL and COALESCE keeps the
// stored value (unqualified names in DO UPDATE are the existing row).
constexpr std::string_view kUpsertSignal =
    "INSERT INTO product_signals(product_id, base_price, stock, popularity, cost, updated_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(product_id) DO UPDATE SET "
    "base_price = coalesce(excluded.base_price, base_price), "
    "stock = coalesce(excluded.stock, stock), "
    "popularity = coalesce(excluded.popularity, popularity), "
    "cost = coalesce(excluded.cost, cost), "
    "updated_at_ms = excluded.updated_at_ms";

// Columns SignalFromRow reads, in order (a macro so SQL texts are literals).
#define AISLE_SIGNAL_COLUMNS "product_id, base_price, stock, popularity, cost, updated_at_ms"

ProductSignal SignalFromRow(const Query& row) {
  ProductSignal s;
  s.product_id = row.Text(0);
  s.base_price = row.OptionalDouble(1);
  s.stock = row.OptionalInt64(2);
  s.popularity = row.OptionalDouble(3);
  s.cost = row.OptionalDouble(4);
  s.updated_at_ms = row.Int64(5);
  return s;
}

absl::Status CheckCompetitorPrice(const CompetitorPrice& p, size_t i) {
  AISLE_RETURN_IF_ERROR(CheckRequiredText(p.product_id, "prices", i, "product_id"));
  AISLE_RETURN_IF_ERROR(CheckRequiredText(p.competitor, "prices", i, "competitor"));
  AISLE_RETURN_IF_ERROR(CheckText(p.region, "prices", i, "region"));
  if (!FiniteNonNegative(p.price)) {
    return BadItem("prices", i, "price", "must be a finite number >= 0");
  }
  if (p.observed_at_ms < 0) return BadItem("prices", i, "observed_at_ms", "must be >= 0");
  return absl::OkStatus();
}

// Latest observation wins; the WHERE makes a late, older one a no-op.
constexpr std::string_view kUpsertCompetitorPrice =
    "INSERT INTO competitor_prices(product_id, region, competitor, price, observed_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(product_id, region, competitor) DO UPDATE SET "
    "price = excluded.price, observed_at_ms = excluded.observed_at_ms "
    "WHERE excluded.observed_at_ms >= competitor_prices.observed_at_ms";

// Columns CompetitorPriceFromRow reads, in order.
#define AISLE_COMPETITOR_COLUMNS "product_id, competitor, region, price, observed_at_ms"

CompetitorPrice CompetitorPriceFromRow(const Query& row) {
  CompetitorPrice p;
  p.product_id = row.Text(0);
  p.competitor = row.Text(1);
  p.region = row.Text(2);
  p.price = row.Double(3);
  p.observed_at_ms = row.Int64(4);
  return p;
}

}  // namespace

// --- SignalStore ---------------------------------------------------------------

std::future<absl::Status> SqliteSignalStore::UpsertSignals(std::vector<SignalUpdate> updates) {
  if (updates.empty()) return ReadyFuture(absl::OkStatus());
  int64_t now = -1;
  for (size_t i = 0; i < updates.size(); ++i) {
    if (absl::Status status = CheckSignalUpdate(updates[i], i); !status.ok()) {
      return ReadyFuture(std::move(status));
    }
    if (updates[i].updated_at_ms == 0) {
      if (now < 0) now = backend_.clock->NowMillis();
      updates[i].updated_at_ms = now;
    }
  }
  return backend_.writer->Submit([updates = std::move(updates)](Transaction& tx) -> absl::Status {
    AISLE_ASSIGN_OR_RETURN(Query upsert, tx.Prepare(kUpsertSignal));
    for (const SignalUpdate& u : updates) {
      upsert.Bind(1, u.product_id);
      upsert.Bind(2, u.base_price);
      upsert.Bind(3, u.stock);
      upsert.Bind(4, u.popularity);
      upsert.Bind(5, u.cost);
      upsert.Bind(6, u.updated_at_ms);
      AISLE_RETURN_IF_ERROR(upsert.Run());
      upsert.Reset();
    }
    return absl::OkStatus();
  });
}

std::future<absl::StatusOr<int64_t>> SqliteSignalStore::DeleteSignals(
    std::vector<std::string> product_ids) {
  for (size_t i = 0; i < product_ids.size(); ++i) {
    if (absl::Status status = CheckRequiredText(product_ids[i], "product_ids", i, "product_id");
        !status.ok()) {
      return ReadyFuture<absl::StatusOr<int64_t>>(std::move(status));
    }
  }
  if (product_ids.empty()) return ReadyFuture<absl::StatusOr<int64_t>>(int64_t{0});
  return backend_.writer->Submit(
      [ids = std::move(product_ids)](Transaction& tx) -> absl::StatusOr<int64_t> {
        AISLE_ASSIGN_OR_RETURN(Query erase,
                               tx.Prepare("DELETE FROM product_signals WHERE product_id = ?1"));
        int64_t deleted = 0;
        for (const std::string& id : ids) {
          erase.Bind(1, id);
          AISLE_RETURN_IF_ERROR(erase.Run());
          deleted += tx.Changes();
          erase.Reset();
        }
        return deleted;
      });
}

absl::StatusOr<std::optional<ProductSignal>> SqliteSignalStore::GetSignal(
    std::string_view product_id) const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query,
                         reader->Prepare("SELECT " AISLE_SIGNAL_COLUMNS
                                         " FROM product_signals WHERE product_id = ?1"));
  query.Bind(1, product_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  return SignalFromRow(query);
}

absl::Status SqliteSignalStore::ForEachSignal(const SignalCallback& callback) const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query, reader->Prepare("SELECT " AISLE_SIGNAL_COLUMNS
                                                      " FROM product_signals ORDER BY product_id"));
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return absl::OkStatus();
    AISLE_RETURN_IF_ERROR(callback(SignalFromRow(query)));
  }
}

// --- CompetitorPriceStore --------------------------------------------------------

std::future<absl::Status> SqliteCompetitorPriceStore::UpsertCompetitorPrices(
    std::vector<CompetitorPrice> prices) {
  if (prices.empty()) return ReadyFuture(absl::OkStatus());
  int64_t now = -1;
  for (size_t i = 0; i < prices.size(); ++i) {
    if (absl::Status status = CheckCompetitorPrice(prices[i], i); !status.ok()) {
      return ReadyFuture(std::move(status));
    }
    if (prices[i].observed_at_ms == 0) {
      if (now < 0) now = backend_.clock->NowMillis();
      prices[i].observed_at_ms = now;
    }
  }
  return backend_.writer->Submit([prices = std::move(prices)](Transaction& tx) -> absl::Status {
    AISLE_ASSIGN_OR_RETURN(Query upsert, tx.Prepare(kUpsertCompetitorPrice));
    for (const CompetitorPrice& p : prices) {
      upsert.Bind(1, p.product_id);
      upsert.Bind(2, p.region);
      upsert.Bind(3, p.competitor);
      upsert.Bind(4, p.price);
      upsert.Bind(5, p.observed_at_ms);
      AISLE_RETURN_IF_ERROR(upsert.Run());
      upsert.Reset();
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<CompetitorPrice>> SqliteCompetitorPriceStore::CompetitorPrices(
    std::string_view product_id, std::string_view region) const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query,
                         reader->Prepare("SELECT " AISLE_COMPETITOR_COLUMNS
                                         " FROM competitor_prices WHERE product_id = ?1 "
                                         "AND region = ?2 ORDER BY competitor"));
  query.Bind(1, product_id);
  query.Bind(2, region);
  std::vector<CompetitorPrice> prices;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return prices;
    prices.push_back(CompetitorPriceFromRow(query));
  }
}

absl::Status SqliteCompetitorPriceStore::ForEachCompetitorPrice(
    const CompetitorPriceCallback& callback) const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(
      Query query, reader->Prepare("SELECT " AISLE_COMPETITOR_COLUMNS " FROM competitor_prices "
                                   "ORDER BY product_id, region, competitor"));
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return absl::OkStatus();
    AISLE_RETURN_IF_ERROR(callback(CompetitorPriceFromRow(query)));
  }
}

#undef AISLE_SIGNAL_COLUMNS
#undef AISLE_COMPETITOR_COLUMNS

}  // namespace aisle::store::internal
