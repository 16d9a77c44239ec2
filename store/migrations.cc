#include "absl/strings/str_cat.h"
#include "store/migrations_internal.h"

namespace aisle::store::internal {
namespace {

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  applied_at_ms INTEGER NOT NULL)";

absl::Status CheckOrdered(std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store: schema migrations out of order: version ", m.version, " after ", previous));
    }
    previous = m.version;
  }
  return absl::OkStatus();
}

// Runs one step inside the caller's transaction, unless another process got
// there first (the version is re-read under the write lock).
absl::Status ApplyStep(Connection& connection, const Migration& m, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(const int current, SchemaVersion(connection));
  if (current >= m.version) return absl::OkStatus();
  absl::Status status = connection.Exec(std::string(m.sql));
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("schema migration ", m.version, " (", std::string(m.name),
                                     ") failed: ", std::string(status.message())));
  }
  AISLE_ASSIGN_OR_RETURN(
      Query insert,
      connection.Prepare(
          "INSERT INTO schema_migrations(version, name, applied_at_ms) VALUES (?1, ?2, ?3)"));
  insert.Bind(1, m.version);
  insert.Bind(2, m.name);
  insert.Bind(3, now_ms);
  return insert.Run();
}

}  // namespace

absl::StatusOr<int> SchemaVersion(Connection& connection) {
  AISLE_ASSIGN_OR_RETURN(Query query, connection.Prepare("SELECT coalesce(max(version), 0) FROM "
                                                         "schema_migrations"));
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  return row ? static_cast<int>(query.Int64(0)) : 0;
}

absl::StatusOr<int> ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                                    int64_t now_ms) {
  AISLE_RETURN_IF_ERROR(CheckOrdered(migrations));
  AISLE_RETURN_IF_ERROR(connection.Exec(std::string(kCreateMigrationsTable)));
  AISLE_ASSIGN_OR_RETURN(const int found, SchemaVersion(connection));
  const int known = migrations.empty() ? 0 : migrations.back().version;
  if (found > known) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store: the database schema is version ", found, " but this binary knows versions up to ",
        known, " (written by a newer aisle?)"));
  }
  for (const Migration& m : migrations) {
    if (m.version <= found) continue;
    AISLE_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE"));
    absl::Status status = ApplyStep(connection, m, now_ms);
    if (status.ok()) status = connection.Exec("COMMIT");
    if (!status.ok()) {
      if (connection.InTransaction()) connection.Exec("ROLLBACK").IgnoreError();
      return status;
    }
  }
  return SchemaVersion(connection);
}

}  // namespace aisle::store::internal
