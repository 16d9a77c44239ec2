// SQLite implementations of SettingsStore and ProfileStore.
#include "base/utf8.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store::internal {

// --- SettingsStore ---------------------------------------------------------------

absl::StatusOr<std::optional<std::string>> SqliteSettingsStore::Get(std::string_view key) const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query, reader->Prepare("SELECT value FROM settings WHERE key = ?1"));
  query.Bind(1, key);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  return query.Text(0);
}

std::future<absl::Status> SqliteSettingsStore::Put(std::string key, std::string json_text) {
  if (absl::Status status = CheckRequiredArgument(key, "key"); !status.ok()) {
    return ReadyFuture(std::move(status));
  }
  if (const auto bad = FindInvalidUtf8(json_text)) {
    return ReadyFuture(InvalidArgumentError("value: invalid UTF-8", "value", *bad));
  }
  const int64_t now = backend_.clock->NowMillis();
  return backend_.writer->Submit([key = std::move(key), value = std::move(json_text),
                                  now](Transaction& tx) -> absl::Status {
    AISLE_ASSIGN_OR_RETURN(
        Query put, tx.Prepare("INSERT INTO settings(key, value, updated_at_ms) VALUES (?1, ?2, ?3) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                              "updated_at_ms = excluded.updated_at_ms"));
    put.Bind(1, key);
    put.Bind(2, value);
    put.Bind(3, now);
    return put.Run();
  });
}

// --- ProfileStore ----------------------------------------------------------------

absl::StatusOr<std::optional<std::string>> SqliteProfileStore::Get(std::string_view user_id) const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query,
                         reader->Prepare("SELECT data FROM user_profiles WHERE user_id = ?1"));
  query.Bind(1, user_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  return query.Blob(0);
}

std::future<absl::Status> SqliteProfileStore::Put(std::string user_id, std::string blob) {
  if (absl::Status status = CheckRequiredArgument(user_id, "user_id"); !status.ok()) {
    return ReadyFuture(std::move(status));
  }
  const int64_t now = backend_.clock->NowMillis();
  return backend_.writer->Submit([user_id = std::move(user_id), blob = std::move(blob),
                                  now](Transaction& tx) -> absl::Status {
    AISLE_ASSIGN_OR_RETURN(
        Query put,
        tx.Prepare("INSERT INTO user_profiles(user_id, data, updated_at_ms) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, "
                   "updated_at_ms = excluded.updated_at_ms"));
    put.Bind(1, user_id);
    put.BindBlob(2, blob);
    put.Bind(3, now);
    return put.Run();
  });
}

std::future<absl::StatusOr<bool>> SqliteProfileStore::Delete(std::string user_id) {
  if (absl::Status status = CheckRequiredArgument(user_id, "user_id"); !status.ok()) {
    return ReadyFuture<absl::StatusOr<bool>>(std::move(status));
  }
  return backend_.writer->Submit([user_id =
                                      std::move(user_id)](Transaction& tx) -> absl::StatusOr<bool> {
    AISLE_ASSIGN_OR_RETURN(Query erase, tx.Prepare("DELETE FROM user_profiles WHERE user_id = ?1"));
    erase.Bind(1, user_id);
    AISLE_RETURN_IF_ERROR(erase.Run());
    return tx.Changes() > 0;
  });
}

}  // namespace aisle::store::internal
