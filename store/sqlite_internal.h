// Internal to store/: a thin RAII layer over the SQLite C API. One
// Connection owns one sqlite3* and a cache of prepared statements; a Query
// borrows a cached statement and resets it when it goes out of scope. Every
// SQLite error becomes an absl::Status carrying SQLite's own message.
//
// Thread-safety: a Connection (and its Queries) is used by one thread at a
// time; the writer thread owns the write connection and ReaderPool hands a
// read connection to one caller at a time.
#ifndef AISLE_STORE_SQLITE_INTERNAL_H_
#define AISLE_STORE_SQLITE_INTERNAL_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace aisle::store::internal {

// `context` says what was being done ("prepare", "step", "open ...").
// Codes: BUSY/LOCKED/IOERR/CANTOPEN -> Unavailable, UNIQUE/PRIMARY KEY
// constraint -> AlreadyExists, other constraints and READONLY ->
// FailedPrecondition, CORRUPT/NOTADB -> DataLoss, FULL -> ResourceExhausted,
// TOOBIG -> InvalidArgument, everything else -> Internal.
absl::Status SqliteStatus(int rc, std::string_view sqlite_message, std::string_view context);
absl::Status SqliteStatus(sqlite3* db, int rc, std::string_view context);

// A prepared statement in use. Bind errors are remembered and reported by the
// next Step/Run, so binding reads as a plain sequence of calls. Indexes are
// 1-based for Bind (as in SQLite) and 0-based for columns.
class Query {
 public:
  Query(Query&& other) noexcept;
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  ~Query();  // Resets the statement and clears its bindings (or finalizes it).

  void Bind(int index, int64_t value);
  void Bind(int index, int value) { Bind(index, static_cast<int64_t>(value)); }
  void Bind(int index, double value);
  void Bind(int index, std::string_view text);  // Bound as TEXT (copied).
  void Bind(int index, const char* text) { Bind(index, std::string_view(text)); }
  void Bind(int index, const std::string& text) { Bind(index, std::string_view(text)); }
  // TEXT without a copy, for hot loops: `text` must stay valid and unchanged
  // until this parameter is bound again, Reset() or the Query is destroyed.
  void BindStatic(int index, std::string_view text);
  void BindBlob(int index, std::string_view bytes);  // Bound as BLOB (copied).
  void BindNull(int index);
  template <typename T>
  void Bind(int index, const std::optional<T>& value) {
    if (value.has_value()) {
      Bind(index, *value);
    } else {
      BindNull(index);
    }
  }

  // true: a row is available through the column accessors; false: done.
  absl::StatusOr<bool> Step();
  // Steps to completion (INSERT/UPDATE/DELETE); rows, if any, are skipped.
  absl::Status Run();
  // Makes the statement reusable with new bindings (keeps the cache entry).
  void Reset();

  bool IsNull(int column) const;
  int64_t Int64(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;
  std::optional<int64_t> OptionalInt64(int column) const;
  std::optional<double> OptionalDouble(int column) const;

 private:
  friend class Connection;
  Query(sqlite3_stmt* stmt, bool* in_use);

  sqlite3_stmt* stmt_;
  bool* in_use_;  // Cache slot flag; nullptr when this Query owns stmt_.
  absl::Status bind_status_;
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (kReadWrite: creating) the database file and sets busy_timeout and
  // extended result codes. Pragmas are the caller's business.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode,
                                                          int busy_timeout_ms);
  ~Connection();  // Finalizes cached statements, then closes.
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results (scripts, pragmas).
  absl::Status Exec(const std::string& sql);

  // A statement from the cache (prepared on first use). When the cached one is
  // already in use (a nested query with the same text), a private copy is
  // prepared and finalized after use.
  absl::StatusOr<Query> Prepare(std::string_view sql);

  // The first column of the first row of `sql`, as text (e.g. a pragma).
  absl::StatusOr<std::string> QueryText(const std::string& sql);

  int64_t Changes() const;
  int64_t LastInsertRowid() const;
  // False between BEGIN and COMMIT/ROLLBACK (SQLite's autocommit flag).
  bool InTransaction() const;
  sqlite3* raw() const { return db_; }

 private:
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  // Lets unordered_map<std::string> be searched with a string_view.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement, Hash, std::equal_to<>> cache_;
};

}  // namespace aisle::store::internal

#endif  // AISLE_STORE_SQLITE_INTERNAL_H_
