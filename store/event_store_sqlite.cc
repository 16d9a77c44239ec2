#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store::internal {
namespace {

// Retention deletes this many rows per transaction, so other writers keep
// being acknowledged during a large purge.
constexpr int64_t kDeleteChunk = 10000;
// Upper bound on the events one events_by_user job indexes, so one job stays
// short even after a long time without indexing.
constexpr int64_t kMaxIndexRows = 250000;
// ForEachDailyPurchases's day (commerce::kMillisPerDay; store/ does not
// depend on commerce/).
constexpr int64_t kMillisPerDay = 86'400'000;

// Columns for INSERT, and for SELECTs from `events e` (EventFromRow reads
// them in this order; the id comes last). Macros so SQL texts are literals.
#define AISLE_EVENT_FIELDS \
  "ts_ms, type, user_id, session_id, product_id, category, brand, price, query"
#define AISLE_EVENT_SELECT                                                                 \
  "e.ts_ms, e.type, e.user_id, e.session_id, e.product_id, e.category, e.brand, e.price, " \
  "e.query, e.id"
constexpr int kIdColumn = 9;

// store/'s own stable codes (the CHECK in schema.cc), independent of the
// enum's declaration order. nullopt for a value outside the enum.
std::optional<int> EventTypeCode(EventType type) {
  switch (type) {
    case EventType::kView:
      return 0;
    case EventType::kClick:
      return 1;
    case EventType::kCartAdd:
      return 2;
    case EventType::kPurchase:
      return 3;
    case EventType::kWishlistAdd:
      return 4;
    case EventType::kSearch:
      return 5;
  }
  return std::nullopt;
}

std::optional<EventType> EventTypeFromCode(int64_t code) {
  static constexpr EventType kTypes[] = {EventType::kView,        EventType::kClick,
                                         EventType::kCartAdd,     EventType::kPurchase,
                                         EventType::kWishlistAdd, EventType::kSearch};
  if (code < 0 || code >= static_cast<int64_t>(std::size(kTypes))) return std::nullopt;
  return kTypes[code];
}

absl::Status CheckEvent(const Event& e, size_t i) {
  if (!EventTypeCode(e.type)) {
    return BadItem("events", i, "type",
                   absl::StrCat("unknown event type ", static_cast<int>(e.type)));
  }
  AISLE_RETURN_IF_ERROR(CheckRequiredText(e.user_id, "events", i, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckRequiredText(e.session_id, "events", i, "session_id"));
  if (e.type != EventType::kSearch) {
    AISLE_RETURN_IF_ERROR(CheckRequiredText(e.product_id, "events", i, "product_id"));
  } else {
    AISLE_RETURN_IF_ERROR(CheckText(e.product_id, "events", i, "product_id"));
  }
  AISLE_RETURN_IF_ERROR(CheckText(e.category, "events", i, "category"));
  AISLE_RETURN_IF_ERROR(CheckText(e.metadata.brand, "events", i, "metadata.brand"));
  AISLE_RETURN_IF_ERROR(CheckText(e.metadata.query, "events", i, "metadata.query"));
  if (e.timestamp_ms < 0) return BadItem("events", i, "timestamp_ms", "must be >= 0");
  if (e.metadata.price && !(std::isfinite(*e.metadata.price) && *e.metadata.price >= 0)) {
    return BadItem("events", i, "metadata.price", "must be a finite number >= 0");
  }
  return absl::OkStatus();
}

// Reads a row selected with AISLE_EVENT_SELECT.
absl::StatusOr<Event> EventFromRow(const Query& row) {
  const auto type = EventTypeFromCode(row.Int64(1));
  if (!type) {
    return absl::DataLossError(absl::StrCat("store: event row with unknown type ", row.Int64(1)));
  }
  Event e;
  e.timestamp_ms = row.Int64(0);
  e.type = *type;
  e.user_id = row.Text(2);
  e.session_id = row.Text(3);
  e.product_id = row.Text(4);
  e.category = row.Text(5);
  e.metadata.brand = row.Text(6);
  e.metadata.price = row.OptionalDouble(7);
  e.metadata.query = row.Text(8);
  return e;
}

constexpr int kEventFieldCount = 9;
// Rows per multi-row INSERT: one statement execution (and one update of the
// AUTOINCREMENT counter) per chunk instead of per event.
constexpr size_t kRowsPerInsert = 32;

// "INSERT INTO events(...) VALUES (?,...), ... " with `rows` tuples.
std::string InsertSql(size_t rows) {
  std::string sql = "INSERT INTO events(" AISLE_EVENT_FIELDS ") VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    absl::StrAppend(&sql, r == 0 ? "" : ",", "(?,?,?,?,?,?,?,?,?)");
  }
  return sql;
}

// BindStatic: the events outlive `insert`, whose bindings Reset() clears.
void BindEvent(Query& insert, int first, const Event& e) {
  insert.Bind(first, e.timestamp_ms);
  insert.Bind(first + 1, *EventTypeCode(e.type));
  insert.BindStatic(first + 2, e.user_id);
  insert.BindStatic(first + 3, e.session_id);
  insert.BindStatic(first + 4, e.product_id);
  insert.BindStatic(first + 5, e.category);
  insert.BindStatic(first + 6, e.metadata.brand);
  insert.Bind(first + 7, e.metadata.price);
  insert.BindStatic(first + 8, e.metadata.query);
}

absl::Status InsertEvents(Transaction& tx, const std::vector<Event>& events) {
  static const std::string kChunkSql = InsertSql(kRowsPerInsert);
  static const std::string kOneSql = InsertSql(1);
  size_t next = 0;
  if (events.size() >= kRowsPerInsert) {
    AISLE_ASSIGN_OR_RETURN(Query chunk, tx.Prepare(kChunkSql));
    for (; next + kRowsPerInsert <= events.size(); next += kRowsPerInsert) {
      for (size_t r = 0; r < kRowsPerInsert; ++r) {
        BindEvent(chunk, static_cast<int>(r) * kEventFieldCount + 1, events[next + r]);
      }
      AISLE_RETURN_IF_ERROR(chunk.Run());
      chunk.Reset();
    }
  }
  if (next == events.size()) return absl::OkStatus();
  AISLE_ASSIGN_OR_RETURN(Query one, tx.Prepare(kOneSql));
  for (; next < events.size(); ++next) {
    BindEvent(one, 1, events[next]);
    AISLE_RETURN_IF_ERROR(one.Run());
    one.Reset();
  }
  return absl::OkStatus();
}

// One chunk of a retention delete; the next chunk is a continuation job, so
// each commits separately and other writes interleave.
struct PurgeState {
  Writer* writer;
  int64_t before_ms;
  int64_t total = 0;
  std::promise<absl::StatusOr<int64_t>> done;
};

absl::Status EnqueuePurgeChunk(const std::shared_ptr<PurgeState>& state, bool continuation) {
  auto deleted = std::make_shared<int64_t>(0);
  Writer::Job job;
  job.run = [state, deleted](Transaction& tx) -> absl::Status {
    // The same oldest rows twice: their events_by_user entries, then them.
    AISLE_ASSIGN_OR_RETURN(
        Query unindex, tx.Prepare("DELETE FROM events_by_user WHERE (user_id, ts_ms, event_id) IN "
                                  "(SELECT user_id, ts_ms, id FROM events WHERE ts_ms < ?1 "
                                  "ORDER BY ts_ms, id LIMIT ?2)"));
    unindex.Bind(1, state->before_ms);
    unindex.Bind(2, kDeleteChunk);
    AISLE_RETURN_IF_ERROR(unindex.Run());
    AISLE_ASSIGN_OR_RETURN(Query purge, tx.Prepare("DELETE FROM events WHERE id IN (SELECT id FROM "
                                                   "events WHERE ts_ms < ?1 ORDER BY ts_ms, id "
                                                   "LIMIT ?2)"));
    purge.Bind(1, state->before_ms);
    purge.Bind(2, kDeleteChunk);
    AISLE_RETURN_IF_ERROR(purge.Run());
    *deleted = tx.Changes();
    return absl::OkStatus();
  };
  job.finish = [state, deleted](const absl::Status& outcome) {
    if (!outcome.ok()) {
      state->done.set_value(absl::Status(
          outcome.code(), absl::StrCat(std::string(outcome.message()), " (after deleting ",
                                       state->total, " events)")));
      return;
    }
    state->total += *deleted;
    if (*deleted < kDeleteChunk) {
      state->done.set_value(state->total);
      return;
    }
    absl::Status next = EnqueuePurgeChunk(state, /*continuation=*/true);
    if (!next.ok()) state->done.set_value(next);
  };
  return state->writer->Enqueue(std::move(job), continuation);
}

// How far events_by_user reaches (event ids <= it are indexed). `Db` is a
// Transaction or a Connection.
template <typename Db>
absl::StatusOr<int64_t> IndexedThrough(Db& db) {
  AISLE_ASSIGN_OR_RETURN(
      Query query,
      db.Prepare("SELECT value FROM store_state WHERE key = 'events_by_user_through'"));
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  return row ? query.Int64(0) : 0;
}

struct RowEvent {
  int64_t id;
  Event event;
};

absl::Status AppendRows(Query& query, std::vector<RowEvent>* out) {
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return absl::OkStatus();
    AISLE_ASSIGN_OR_RETURN(Event event, EventFromRow(query));
    out->push_back(RowEvent{query.Int64(kIdColumn), std::move(event)});
  }
}

}  // namespace

// --- events_by_user batching ---------------------------------------------------
//
// Events are acknowledged once in `events` (append-only, cheap). Their
// events_by_user entries are added later, user_index_batch_ at a time, by one
// INSERT ... SELECT ... ORDER BY user_id: sorted and batched, each index page
// is written once per batch instead of about once per event. Readers combine
// the index with a scan of the events above events_by_user_through (the tail,
// about user_index_batch_ rows at most). Index and mark move in one
// transaction, so a crash never leaves them disagreeing.

absl::Status SqliteEventStore::Insert(Transaction& tx, const std::vector<Event>& events) {
  AISLE_RETURN_IF_ERROR(InsertEvents(tx, events));
  MaybeIndexUsers(tx, tx.LastInsertRowid());
  return absl::OkStatus();
}

void SqliteEventStore::MaybeIndexUsers(Transaction& tx, int64_t last_id) {
  if (user_index_.queued) return;
  if (user_index_.through < 0) {
    auto through = IndexedThrough(tx);
    if (!through.ok()) return;  // The next append tries again.
    user_index_.through = *through;
  }
  if (last_id - user_index_.through < user_index_batch_) return;
  Writer::Job job;
  job.run = [this](Transaction& t) { return IndexUsers(t); };
  job.finish = [this](const absl::Status& outcome) {
    user_index_.queued = false;
    if (!outcome.ok()) user_index_.through = -1;  // Not committed: re-read.
  };
  // Not a continuation: a closing store leaves the tail for the next run.
  user_index_.queued = backend_.writer->Enqueue(std::move(job)).ok();
}

absl::Status SqliteEventStore::IndexUsers(Transaction& tx) {
  AISLE_ASSIGN_OR_RETURN(const int64_t through, IndexedThrough(tx));
  AISLE_ASSIGN_OR_RETURN(Query last, tx.Prepare("SELECT coalesce(max(id), 0) FROM events"));
  AISLE_ASSIGN_OR_RETURN(const bool row, last.Step());
  const int64_t upto = std::min(row ? last.Int64(0) : 0, through + kMaxIndexRows);
  if (upto > through) {
    AISLE_ASSIGN_OR_RETURN(
        Query fill, tx.Prepare("INSERT INTO events_by_user(user_id, ts_ms, event_id) "
                               "SELECT user_id, ts_ms, id FROM events WHERE id > ?1 AND id <= ?2 "
                               "ORDER BY user_id, ts_ms, id"));
    fill.Bind(1, through);
    fill.Bind(2, upto);
    AISLE_RETURN_IF_ERROR(fill.Run());
    AISLE_ASSIGN_OR_RETURN(
        Query mark,
        tx.Prepare("UPDATE store_state SET value = ?1 WHERE key = 'events_by_user_through'"));
    mark.Bind(1, upto);
    AISLE_RETURN_IF_ERROR(mark.Run());
  }
  user_index_.through = std::max(upto, through);
  return absl::OkStatus();
}

std::future<absl::Status> SqliteEventStore::AppendEvents(std::vector<Event> events) {
  if (events.empty()) return ReadyFuture(absl::OkStatus());
  int64_t now = -1;
  for (size_t i = 0; i < events.size(); ++i) {
    if (absl::Status status = CheckEvent(events[i], i); !status.ok()) {
      return ReadyFuture(std::move(status));
    }
    if (events[i].timestamp_ms == 0) {
      if (now < 0) now = backend_.clock->NowMillis();
      events[i].timestamp_ms = now;
    }
  }
  return backend_.writer->Submit(
      [this, events = std::move(events)](Transaction& tx) { return Insert(tx, events); });
}

absl::Status SqliteEventStore::ForEachEventSince(int64_t since_ms,
                                                 const EventCallback& callback) const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query, reader->Prepare("SELECT " AISLE_EVENT_SELECT
                                                      " FROM events e WHERE e.ts_ms >= ?1 "
                                                      "ORDER BY e.ts_ms, e.id"));
  query.Bind(1, since_ms);
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return absl::OkStatus();
    AISLE_ASSIGN_OR_RETURN(const Event event, EventFromRow(query));
    AISLE_RETURN_IF_ERROR(callback(event));
  }
}

absl::StatusOr<std::vector<Event>> SqliteEventStore::RecentEventsForUser(std::string_view user_id,
                                                                         size_t limit) const {
  std::vector<Event> events;
  if (limit == 0) return events;
  const auto max_rows =
      static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max()));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  AISLE_ASSIGN_OR_RETURN(const int64_t through, IndexedThrough(*reader));
  std::vector<RowEvent> rows;
  {
    AISLE_ASSIGN_OR_RETURN(
        Query indexed,
        reader->Prepare("SELECT " AISLE_EVENT_SELECT
                        " FROM events_by_user u JOIN events e ON e.id = u.event_id "
                        "WHERE u.user_id = ?1 ORDER BY u.ts_ms DESC, u.event_id DESC LIMIT ?2"));
    indexed.Bind(1, user_id);
    indexed.Bind(2, max_rows);
    AISLE_RETURN_IF_ERROR(AppendRows(indexed, &rows));
  }
  {
    // NOT INDEXED: walk the id range of the tail, never events_by_time.
    AISLE_ASSIGN_OR_RETURN(
        Query tail, reader->Prepare("SELECT " AISLE_EVENT_SELECT
                                    " FROM events e NOT INDEXED WHERE e.id > ?1 AND "
                                    "e.user_id = ?2 ORDER BY e.ts_ms DESC, e.id DESC LIMIT ?3"));
    tail.Bind(1, through);
    tail.Bind(2, user_id);
    tail.Bind(3, max_rows);
    AISLE_RETURN_IF_ERROR(AppendRows(tail, &rows));
  }
  std::sort(rows.begin(), rows.end(), [](const RowEvent& a, const RowEvent& b) {
    if (a.event.timestamp_ms != b.event.timestamp_ms) {
      return a.event.timestamp_ms > b.event.timestamp_ms;
    }
    return a.id > b.id;
  });
  if (rows.size() > limit) rows.resize(limit);
  events.reserve(rows.size());
  for (RowEvent& row : rows) events.push_back(std::move(row.event));
  return events;
}

absl::StatusOr<int64_t> SqliteEventStore::CountEvents(const EventCountQuery& q) const {
  std::optional<int> type_code;
  if (q.type) {
    type_code = EventTypeCode(*q.type);
    if (!type_code) {
      return InvalidArgumentError(absl::StrCat("unknown event type ", static_cast<int>(*q.type)),
                                  "type");
    }
  }
  // Numbered parameters let the text vary with the filters present.
  std::string sql = "SELECT count(*) FROM events WHERE ts_ms >= ?1 AND ts_ms < ?2";
  if (q.product_id) sql += " AND product_id = ?3";
  if (q.user_id) sql += " AND user_id = ?4";
  if (type_code) sql += " AND type = ?5";
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query, reader->Prepare(sql));
  query.Bind(1, q.since_ms);
  query.Bind(2, q.until_ms);
  if (q.product_id) query.Bind(3, *q.product_id);
  if (q.user_id) query.Bind(4, *q.user_id);
  if (type_code) query.Bind(5, *type_code);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  return row ? query.Int64(0) : 0;
}

absl::Status SqliteEventStore::ForEachDailyPurchases(const PurchaseHistoryQuery& q,
                                                    const DailyPurchasesCallback& callback) const {
  if (q.since_ms < 0) return InvalidArgumentError("since_ms must be >= 0", "since_ms");
  // The type code is spelled into the text rather than bound, and the
  // product filter is present or absent rather than "?3 IS NULL OR ...", so
  // an index on (product_id, ts_ms) WHERE type = <purchase> would be usable
  // by the planner. The GROUP BY already produces (product_id, day) order;
  // ORDER BY makes it a promise. count(*) becomes sum(quantity) if events
  // ever carry one.
  const auto sql = [](bool one_product) {
    return absl::StrCat("SELECT product_id, (ts_ms - ?1) / ", kMillisPerDay,
                        " AS day, count(*) FROM events WHERE type = ",
                        *EventTypeCode(EventType::kPurchase), " AND ts_ms >= ?1 AND ts_ms < ?2",
                        one_product ? " AND product_id = ?3" : "",
                        " GROUP BY product_id, day ORDER BY product_id, day");
  };
  static const std::string kAllSql = sql(false);
  static const std::string kOneSql = sql(true);
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query, reader->Prepare(q.product_id ? kOneSql : kAllSql));
  query.Bind(1, q.since_ms);
  query.Bind(2, q.until_ms);
  if (q.product_id) query.Bind(3, *q.product_id);
  DailyPurchases row;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool more, query.Step());
    if (!more) return absl::OkStatus();
    row.product_id = query.Text(0);
    row.day = query.Int64(1);
    row.units = query.Int64(2);
    AISLE_RETURN_IF_ERROR(callback(row));
  }
}

std::future<absl::StatusOr<int64_t>> SqliteEventStore::DeleteEventsBefore(int64_t before_ms) {
  auto state = std::make_shared<PurgeState>();
  state->writer = backend_.writer;
  state->before_ms = before_ms;
  auto future = state->done.get_future();
  absl::Status enqueued = EnqueuePurgeChunk(state, /*continuation=*/false);
  if (!enqueued.ok()) state->done.set_value(std::move(enqueued));
  return future;
}

std::future<absl::StatusOr<int64_t>> SqliteEventStore::DeleteUserEvents(std::string user_id) {
  if (absl::Status status = CheckRequiredArgument(user_id, "user_id"); !status.ok()) {
    return ReadyFuture<absl::StatusOr<int64_t>>(std::move(status));
  }
  return backend_.writer->Submit([user_id = std::move(user_id)](
                                     Transaction& tx) -> absl::StatusOr<int64_t> {
    AISLE_ASSIGN_OR_RETURN(const int64_t through, IndexedThrough(tx));
    AISLE_ASSIGN_OR_RETURN(Query indexed,
                           tx.Prepare("DELETE FROM events WHERE id IN (SELECT event_id FROM "
                                      "events_by_user WHERE user_id = ?1)"));
    indexed.Bind(1, user_id);
    AISLE_RETURN_IF_ERROR(indexed.Run());
    int64_t deleted = tx.Changes();
    AISLE_ASSIGN_OR_RETURN(Query unindex,
                           tx.Prepare("DELETE FROM events_by_user WHERE user_id = ?1"));
    unindex.Bind(1, user_id);
    AISLE_RETURN_IF_ERROR(unindex.Run());
    AISLE_ASSIGN_OR_RETURN(
        Query tail, tx.Prepare("DELETE FROM events NOT INDEXED WHERE id > ?1 AND user_id = ?2"));
    tail.Bind(1, through);
    tail.Bind(2, user_id);
    AISLE_RETURN_IF_ERROR(tail.Run());
    return deleted + tx.Changes();
  });
}

#undef AISLE_EVENT_FIELDS
#undef AISLE_EVENT_SELECT

}  // namespace aisle::store::internal
