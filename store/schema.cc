// aisle.db's schema as migration steps. Released steps are never edited: a
// schema change is a new step at the end (issue D's carts, orders, payments,
// fulfillment and outbox tables come next).
//
// Conventions: STRICT tables (SQLite checks column types); times are Unix
// milliseconds in *_ms INTEGER columns; money is REAL in the catalog's
// currency here, but issue D's ledgers (orders, payments) will use INTEGER
// minor units so sums are exact; CHECK constraints repeat the invariants the
// domain code validates, as a last line of defence.
#include "store/migrations_internal.h"

namespace aisle::store::internal {
namespace {

// Event type codes are store/'s own (event_store_sqlite.cc maps EventType to
// them), so reordering the C++ enum never changes what rows on disk mean.
//
// AUTOINCREMENT: ids are never reused, so "ids above events_by_user_through"
// is exactly the part of the log that events_by_user does not cover yet.
//
// events_by_user is a per-user index kept as its own table and filled in
// large sorted batches rather than by a CREATE INDEX: a B-tree index on a
// random key (the user) dirties about one page per event when maintained
// row by row, which measured 25-60k events/s here against 300k+ without it.
// event_store_sqlite.cc explains the batching and how reads cover the tail.
constexpr std::string_view kEvents = R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts_ms INTEGER NOT NULL,
  type INTEGER NOT NULL CHECK (type BETWEEN 0 AND 5),
  user_id TEXT NOT NULL CHECK (user_id <> ''),
  session_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  category TEXT NOT NULL,
  brand TEXT NOT NULL,
  price REAL,
  query TEXT NOT NULL
) STRICT;
-- Start-up replay and retention (ts order, ties by arrival).
CREATE INDEX events_by_time ON events(ts_ms);
CREATE TABLE events_by_user (
  user_id TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  event_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, ts_ms, event_id)
) STRICT, WITHOUT ROWID;
-- The store's own bookkeeping (integers by name).
CREATE TABLE store_state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO store_state(key, value) VALUES ('events_by_user_through', 0);
)sql";

constexpr std::string_view kProductSignals = R"sql(
CREATE TABLE product_signals (
  product_id TEXT PRIMARY KEY,
  base_price REAL CHECK (base_price >= 0),
  stock INTEGER CHECK (stock >= 0),
  popularity REAL,
  cost REAL CHECK (cost >= 0),
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

constexpr std::string_view kCompetitorPrices = R"sql(
CREATE TABLE competitor_prices (
  product_id TEXT NOT NULL,
  region TEXT NOT NULL,
  competitor TEXT NOT NULL,
  price REAL NOT NULL CHECK (price >= 0),
  observed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (product_id, region, competitor)
) STRICT, WITHOUT ROWID;
)sql";

constexpr std::string_view kSettingsAndProfiles = R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE user_profiles (
  user_id TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT;
)sql";

// Inventory (issue D). Stock is per (product, warehouse); reservations hold
// units at the product level (the seed's reserveInventory) until Commit turns
// them into per-warehouse decrements, so
//   available(product) = sum(stock.on_hand) - sum(quantity of active
//                        reservations with expires_at_ms > now).
// Reservation rows are kept after they end (committed, expired, released) as
// the audit trail of who held what.
//
// reservations_by_product covers the availability sum (quantity is in the
// index, so the sum never touches the table); reservations_by_user counts a
// user's active ones for the per-user limit; reservations_by_expiry feeds
// the sweeper. WITHOUT ROWID: the random text id is the only key needed.
constexpr std::string_view kInventory = R"sql(
CREATE TABLE warehouses (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  name TEXT NOT NULL,
  latitude REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  region TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE stock (
  product_id TEXT NOT NULL CHECK (product_id <> ''),
  warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
  on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (product_id, warehouse_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE reservations (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  product_id TEXT NOT NULL CHECK (product_id <> ''),
  user_id TEXT NOT NULL CHECK (user_id <> ''),
  cart_id TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  status TEXT NOT NULL CHECK (status IN ('active', 'committed', 'expired', 'released')),
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  extensions INTEGER NOT NULL CHECK (extensions >= 0),
  order_id TEXT CHECK ((status = 'committed') = (order_id IS NOT NULL)),
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX reservations_by_product
  ON reservations(product_id, status, expires_at_ms, quantity);
CREATE INDEX reservations_by_user ON reservations(user_id, status, expires_at_ms);
CREATE INDEX reservations_by_expiry ON reservations(status, expires_at_ms);
)sql";

constexpr Migration kMigrations[] = {
    {1, "events", kEvents},
    {2, "product_signals", kProductSignals},
    {3, "competitor_prices", kCompetitorPrices},
    {4, "settings_and_profiles", kSettingsAndProfiles},
    {5, "inventory", kInventory},
};

}  // namespace

std::span<const Migration> AisleMigrations() { return kMigrations; }

}  // namespace aisle::store::internal
