// aisle.db's schema as migration steps. Released steps are never edited: a
// schema change is a new step at the end (issue D's inventory, reservations,
// carts, orders, payments, fulfillment and outbox tables come next).
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

constexpr Migration kMigrations[] = {
    {1, "events", kEvents},
    {2, "product_signals", kProductSignals},
    {3, "competitor_prices", kCompetitorPrices},
    {4, "settings_and_profiles", kSettingsAndProfiles},
};

}  // namespace

std::span<const Migration> AisleMigrations() { return kMigrations; }

}  // namespace aisle::store::internal
