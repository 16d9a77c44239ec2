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

// Carts (issue D). One line per (cart, product), pointing at the reservation
// that holds its units. Prices are INTEGER minor units (cents), so line
// totals and subtotals are exact. `position` orders a cart's lines as they
// were first added (1, 2, ... per cart). user_id '' is an anonymous cart; the
// partial unique index keeps at most one active cart per user and finds it.
// cart_items.reservation_id has no index of its own: reservation ids are
// never updated or deleted, so the foreign key never searches the children.
constexpr std::string_view kCarts = R"sql(
CREATE TABLE carts (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  user_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'merged', 'ordered')),
  merged_into TEXT CHECK ((status = 'merged') = (merged_into IS NOT NULL)),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX carts_active_by_user ON carts(user_id)
  WHERE user_id <> '' AND status = 'active';
CREATE TABLE cart_items (
  cart_id TEXT NOT NULL REFERENCES carts(id),
  product_id TEXT NOT NULL CHECK (product_id <> ''),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  reservation_id TEXT NOT NULL REFERENCES reservations(id),
  position INTEGER NOT NULL,
  unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
  original_price INTEGER NOT NULL CHECK (original_price >= 0),
  quote_id TEXT NOT NULL,
  quote_expires_at_ms INTEGER NOT NULL,
  added_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (cart_id, product_id)
) STRICT, WITHOUT ROWID;
)sql";

// Orders (issue D): the order ledger, its status history, idempotency keys,
// payments, fulfillment tasks and the notification outbox. Money is INTEGER
// minor units of the order's currency (ISO 4217 code; cents for USD), so
// every sum is exact; payments are in their order's currency. The status is
// text that commerce/ interprets (commerce/order_state.h); history row 1 is
// the creation (from_status NULL). Nothing here ever holds a card number:
// payments keep the gateway's token and the last 4 digits, and the CHECKs
// refuse a run of 12 digits as a last line of defence.
//
// orders_by_user covers the velocity sums (count and total per currency
// since a time) without touching the table; orders_by_status finds orders
// a crash left mid-flow. payments.user_id is copied from the order so
// failed_payments_by_user counts a user's failures without a join.
// outbox: AUTOINCREMENT so seq is never reused (delivery order per order);
// outbox_due finds due messages, outbox_by_order (covering delivered_at_ms)
// answers "has this order an earlier undelivered message?".
constexpr std::string_view kOrders = R"sql(
CREATE TABLE orders (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  user_id TEXT NOT NULL CHECK (user_id <> ''),
  cart_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status <> ''),
  status_reason TEXT NOT NULL,
  currency TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  subtotal_cents INTEGER NOT NULL CHECK (subtotal_cents BETWEEN 0 AND 1000000000000000),
  total_cents INTEGER NOT NULL CHECK (total_cents BETWEEN 0 AND 1000000000000000),
  ship_name TEXT NOT NULL,
  ship_line1 TEXT NOT NULL,
  ship_line2 TEXT NOT NULL,
  ship_city TEXT NOT NULL,
  ship_region TEXT NOT NULL,
  ship_postal_code TEXT NOT NULL,
  ship_country TEXT NOT NULL CHECK (ship_country GLOB '[A-Z][A-Z]'),
  ship_latitude REAL CHECK (ship_latitude BETWEEN -90 AND 90),
  ship_longitude REAL CHECK (ship_longitude BETWEEN -180 AND 180),
  billing_country TEXT NOT NULL CHECK (billing_country = '' OR billing_country GLOB '[A-Z][A-Z]'),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  CHECK ((ship_latitude IS NULL) = (ship_longitude IS NULL))
) STRICT;
CREATE INDEX orders_by_user ON orders(user_id, created_at_ms, currency, total_cents);
CREATE INDEX orders_by_status ON orders(status, updated_at_ms);
CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders(id),
  line INTEGER NOT NULL CHECK (line >= 1),
  product_id TEXT NOT NULL CHECK (product_id <> ''),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
  title TEXT NOT NULL,
  PRIMARY KEY (order_id, line)
) STRICT, WITHOUT ROWID;
CREATE TABLE order_status_history (
  order_id TEXT NOT NULL REFERENCES orders(id),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  from_status TEXT CHECK ((seq = 1) = (from_status IS NULL)),
  to_status TEXT NOT NULL CHECK (to_status <> ''),
  reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY (order_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY CHECK (key <> ''),
  order_id TEXT NOT NULL UNIQUE REFERENCES orders(id),
  request_fingerprint TEXT NOT NULL CHECK (request_fingerprint <> ''),
  created_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE payments (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  order_id TEXT NOT NULL REFERENCES orders(id),
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('authorize', 'capture', 'refund', 'void')),
  amount_cents INTEGER NOT NULL CHECK (amount_cents BETWEEN 0 AND 1000000000000000),
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
  gateway_ref TEXT NOT NULL,
  card_last4 TEXT NOT NULL CHECK (card_last4 = '' OR card_last4 GLOB '[0-9][0-9][0-9][0-9]'),
  token TEXT NOT NULL
    CHECK (token NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*'),
  failure_reason TEXT NOT NULL
    CHECK (failure_reason NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*'),
  at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX payments_by_order ON payments(order_id, at_ms);
CREATE INDEX failed_payments_by_user ON payments(user_id, at_ms) WHERE status = 'failed';
CREATE TABLE fulfillment_tasks (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  order_id TEXT NOT NULL REFERENCES orders(id),
  warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'completed')),
  created_at_ms INTEGER NOT NULL,
  completed_at_ms INTEGER CHECK ((status = 'completed') = (completed_at_ms IS NOT NULL)),
  UNIQUE (order_id, warehouse_id)
) STRICT;
CREATE INDEX fulfillment_tasks_by_warehouse
  ON fulfillment_tasks(warehouse_id, status, created_at_ms, id);
CREATE TABLE fulfillment_task_items (
  task_id TEXT NOT NULL REFERENCES fulfillment_tasks(id),
  line INTEGER NOT NULL CHECK (line >= 1),
  product_id TEXT NOT NULL CHECK (product_id <> ''),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (task_id, line)
) STRICT, WITHOUT ROWID;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL REFERENCES orders(id),
  kind TEXT NOT NULL CHECK (kind <> ''),
  payload TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  delivered_at_ms INTEGER,
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  next_attempt_at_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt_at_ms) WHERE delivered_at_ms IS NULL;
CREATE INDEX outbox_by_order ON outbox(order_id, seq, delivered_at_ms);
)sql";

// Checkout (issue D): the order keeps the gateway token it is charged with
// (never a card number: the same last line of defence as payments.token), so
// an order a crash interrupted can be resumed; a fulfillment task of a
// cancelled order is marked by cancelled_at_ms (its status stays 'pending':
// changing migration 7's CHECK would mean rebuilding the table).
constexpr std::string_view kCheckout = R"sql(
ALTER TABLE orders ADD COLUMN payment_token TEXT NOT NULL DEFAULT ''
  CHECK (payment_token NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*');
ALTER TABLE fulfillment_tasks ADD COLUMN cancelled_at_ms INTEGER
  CHECK (cancelled_at_ms IS NULL OR status = 'pending');
)sql";

// Replenishment (issue D) reads each product's purchases per day over 90
// days; without this index that scans every event of the window.
constexpr std::string_view kPurchasesByProduct = R"sql(
CREATE INDEX events_purchases_by_product ON events(product_id, ts_ms) WHERE type = 3;
)sql";

// Fraud screening (issue E). The storefront's device fingerprint, client IP
// (text exactly as sent: v4 or v6, no parsing here) and session id are kept
// on the order, '' when unknown, for the device and geography rules.
//
// orders_by_fingerprint answers "which accounts used this device since T"
// and "has this user ordered from it" from the index alone; partial, since
// most orders of old clients have no fingerprint. The payments indexes do
// the same for cards: the sandbox gateway's token IS the card's identity
// (one token per card, stable across orders), so "distinct cards of a user
// since T" is distinct tokens in payments_by_user_token and "distinct users
// of a card since T" distinct users in payments_by_token.
//
// order_risk: one assessment per order, written in the order's creation
// commit. `details` is commerce's JSON (factors), opaque here; like every
// ledger text it refuses a run of 12 digits. review_status is NULL when no
// review was needed, else pending until an operator decides;
// order_risk_pending lists the review queue oldest first. A rowid table
// (not WITHOUT ROWID): details may be a few kilobytes.
constexpr std::string_view kFraud = R"sql(
ALTER TABLE orders ADD COLUMN device_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN ip_address TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_by_fingerprint ON orders(device_fingerprint, created_at_ms, user_id)
  WHERE device_fingerprint <> '';
CREATE INDEX payments_by_user_token ON payments(user_id, at_ms, token) WHERE token <> '';
CREATE INDEX payments_by_token ON payments(token, at_ms, user_id) WHERE token <> '';
CREATE TABLE order_risk (
  order_id TEXT PRIMARY KEY REFERENCES orders(id),
  score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
  level TEXT NOT NULL CHECK (level <> ''),
  action TEXT NOT NULL CHECK (action <> ''),
  details TEXT NOT NULL
    CHECK (details NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*'),
  assessed_at_ms INTEGER NOT NULL,
  review_status TEXT CHECK (review_status IN ('pending', 'approved', 'rejected')),
  reviewed_at_ms INTEGER
    CHECK ((reviewed_at_ms IS NOT NULL) = (coalesce(review_status, 'pending') <> 'pending')),
  review_note TEXT NOT NULL
    CHECK (review_note NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*')
) STRICT;
CREATE INDEX order_risk_pending ON order_risk(assessed_at_ms, order_id)
  WHERE review_status = 'pending';
)sql";

constexpr Migration kMigrations[] = {
    {1, "events", kEvents},
    {2, "product_signals", kProductSignals},
    {3, "competitor_prices", kCompetitorPrices},
    {4, "settings_and_profiles", kSettingsAndProfiles},
    {5, "inventory", kInventory},
    {6, "carts", kCarts},
    {7, "orders", kOrders},
    {8, "checkout", kCheckout},
    {9, "purchases_by_product", kPurchasesByProduct},
    {10, "fraud", kFraud},
};

}  // namespace

std::span<const Migration> AisleMigrations() { return kMigrations; }

}  // namespace aisle::store::internal
