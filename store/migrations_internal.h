// Internal to store/: versioned schema migrations.
//
// The schema is an ordered list of steps, each a SQL script with a version
// number. `schema_migrations` records which versions a database has. At Open
// every step newer than the database's version runs in its own IMMEDIATE
// transaction together with its schema_migrations row, so a failing step
// leaves the database at the previous version and a crash mid-step leaves no
// half-applied schema. Steps are never edited once released: a change to the
// schema is a new step appended to the list.
#ifndef AISLE_STORE_MIGRATIONS_INTERNAL_H_
#define AISLE_STORE_MIGRATIONS_INTERNAL_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"
#include "store/sqlite_internal.h"

namespace aisle::store::internal {

struct Migration {
  int version;            // Strictly increasing along the list, starting at 1.
  std::string_view name;  // Recorded for operators ("events", ...).
  std::string_view sql;   // One or more statements.
};

// aisle.db's schema, oldest step first.
std::span<const Migration> AisleMigrations();

// The highest version recorded in `connection`'s database (0 for a fresh one).
absl::StatusOr<int> SchemaVersion(Connection& connection);

// Brings the database up to the last step of `migrations` and returns the
// resulting version. FailedPrecondition when the database is newer than the
// list (written by a newer binary) or the list is not strictly increasing;
// a failing step's error names it. `now_ms` is recorded as applied_at.
absl::StatusOr<int> ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                                    int64_t now_ms);

}  // namespace aisle::store::internal

#endif  // AISLE_STORE_MIGRATIONS_INTERNAL_H_
