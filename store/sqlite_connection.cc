#include <utility>

#include "absl/strings/str_cat.h"
#include "store/sqlite_internal.h"

namespace aisle::store::internal {

absl::Status SqliteStatus(int rc, std::string_view sqlite_message, std::string_view context) {
  const std::string message = absl::StrCat("store ", std::string(context), ": ",
                                           std::string(sqlite_message), " (sqlite code ", rc, ")");
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::ResourceExhaustedError(message);
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status SqliteStatus(sqlite3* db, int rc, std::string_view context) {
  // sqlite3_errmsg describes the most recent failure on `db`; errstr is the
  // generic text for `rc` when there is no connection.
  return SqliteStatus(rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc), context);
}

// --- Query -------------------------------------------------------------------

Query::Query(sqlite3_stmt* stmt, bool* in_use) : stmt_(stmt), in_use_(in_use) {}

Query::Query(Query&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Query::~Query() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

namespace {

void Remember(absl::Status* status, sqlite3_stmt* stmt, int rc, int index) {
  if (rc == SQLITE_OK || !status->ok()) return;
  *status = SqliteStatus(sqlite3_db_handle(stmt), rc, absl::StrCat("bind parameter ", index));
}

}  // namespace

void Query::Bind(int index, int64_t value) {
  Remember(&bind_status_, stmt_, sqlite3_bind_int64(stmt_, index, value), index);
}

void Query::Bind(int index, double value) {
  Remember(&bind_status_, stmt_, sqlite3_bind_double(stmt_, index, value), index);
}

void Query::Bind(int index, std::string_view text) {
  Remember(
      &bind_status_, stmt_,
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
}

void Query::BindStatic(int index, std::string_view text) {
  Remember(&bind_status_, stmt_,
           sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8),
           index);
}

void Query::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob needs a non-null pointer, or SQLite binds NULL.
  static constexpr char kEmpty = 0;
  Remember(&bind_status_, stmt_,
           sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                               SQLITE_TRANSIENT),
           index);
}

void Query::BindNull(int index) {
  Remember(&bind_status_, stmt_, sqlite3_bind_null(stmt_, index), index);
}

absl::StatusOr<bool> Query::Step() {
  AISLE_RETURN_IF_ERROR(bind_status_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(sqlite3_db_handle(stmt_), rc, absl::StrCat("step: ", sqlite3_sql(stmt_)));
}

absl::Status Query::Run() {
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) return absl::OkStatus();
  }
}

void Query::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
}

bool Query::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

int64_t Query::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Query::Double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Query::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Query::Blob(int column) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (bytes == nullptr) return {};
  return std::string(bytes, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<int64_t> Query::OptionalInt64(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int64(column);
}

std::optional<double> Query::OptionalDouble(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Double(column);
}

// --- Connection --------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                             int busy_timeout_ms) {
  // NOMUTEX: each connection is used by one thread at a time (see header).
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |=
      mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteStatus(db, rc, absl::StrCat("open ", path));
    sqlite3_close_v2(db);  // Also required (and harmless) when open failed.
    return status;
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

absl::Status Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  const size_t kShown = 80;
  return SqliteStatus(
      rc, message,
      absl::StrCat("exec \"", sql.substr(0, kShown), sql.size() > kShown ? "...\"" : "\""));
}

absl::StatusOr<Query> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Query(it->second.stmt, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteStatus(db_, rc, absl::StrCat("prepare \"", std::string(sql), "\""));
  }
  if (stmt == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("store prepare: no statement in \"", std::string(sql), "\""));
  }
  if (it != cache_.end()) return Query(stmt, nullptr);  // Nested use: a private copy.
  auto [inserted, ok] = cache_.emplace(std::string(sql), CachedStatement{stmt, true});
  return Query(stmt, &inserted->second.in_use);
}

absl::StatusOr<std::string> Connection::QueryText(const std::string& sql) {
  AISLE_ASSIGN_OR_RETURN(Query query, Prepare(sql));
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return absl::InternalError(absl::StrCat("store: no result from \"", sql, "\""));
  return query.Text(0);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

int64_t Connection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace aisle::store::internal
