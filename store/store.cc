// Store::Open: the SQLite backend's assembly (connections, pragmas,
// migrations, writer, readers, sub-stores).
#include <sqlite3.h>
#include <sys/random.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "store/migrations_internal.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store {
namespace internal {

absl::Status BadItem(std::string_view list, size_t index, std::string_view field,
                     std::string_view problem) {
  return InvalidArgumentError(absl::StrCat(std::string(list), "[", index, "].", std::string(field),
                                           ": ", std::string(problem)),
                              field);
}

absl::Status CheckText(std::string_view value, std::string_view list, size_t index,
                       std::string_view field) {
  if (const auto bad = FindInvalidUtf8(value)) {
    return BadItem(list, index, field, absl::StrCat("invalid UTF-8 at byte ", *bad));
  }
  return absl::OkStatus();
}

absl::Status CheckRequiredText(std::string_view value, std::string_view list, size_t index,
                               std::string_view field) {
  if (value.empty()) return BadItem(list, index, field, "required");
  return CheckText(value, list, index, field);
}

absl::Status CheckRequiredArgument(std::string_view value, std::string_view field) {
  if (value.empty())
    return InvalidArgumentError(absl::StrCat(std::string(field), ": required"), field);
  if (const auto bad = FindInvalidUtf8(value)) {
    return InvalidArgumentError(absl::StrCat(std::string(field), ": invalid UTF-8 at byte ", *bad),
                                field);
  }
  return absl::OkStatus();
}

std::string RandomId() {
  unsigned char bytes[16];
  size_t filled = 0;
  while (filled < sizeof(bytes)) {
    const ssize_t n = getrandom(bytes + filled, sizeof(bytes) - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return "";
    }
    filled += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(2 * sizeof(bytes));
  for (const unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xf]);
  }
  return id;
}

// WAL: readers and the writer do not block each other. busy_timeout is set by
// Connection::Open. journal_size_limit trims the WAL file after a checkpoint
// so one big transaction does not leave a huge file behind.
absl::Status ConfigureWriteConnection(Connection& connection, SyncMode sync) {
  constexpr int kWriteCacheKib = 64 * 1024;
  AISLE_ASSIGN_OR_RETURN(const std::string mode, connection.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("store: WAL mode unavailable (journal_mode is \"", mode, "\")"));
  }
  AISLE_RETURN_IF_ERROR(connection.Exec(sync == SyncMode::kFull ? "PRAGMA synchronous = FULL"
                                                                : "PRAGMA synchronous = NORMAL"));
  AISLE_RETURN_IF_ERROR(connection.Exec("PRAGMA foreign_keys = ON"));
  // A group's dirty pages stay in memory until COMMIT instead of spilling to
  // the WAL early (and being written twice). Readers keep SQLite's default.
  AISLE_RETURN_IF_ERROR(connection.Exec(absl::StrCat("PRAGMA cache_size = -", kWriteCacheKib)));
  // Per-job savepoints and multi-row statements keep a journal of the pages
  // they change (to undo just that job or statement). In a temp file that
  // costs two pwrite(2)s per page; in memory, a memcpy. Measured: 0.75
  // pwrites per event before, mostly this.
  AISLE_RETURN_IF_ERROR(connection.Exec("PRAGMA temp_store = MEMORY"));
  // Checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: a checkpoint
  // (run by the writer inside COMMIT) copies each page changed since the last
  // one once, so a hot page (a signal row, a user profile) rewritten by many
  // commits is copied to the database once per checkpoint, not once per
  // commit or two. Measured with 1000-update signal batches: checkpoints were
  // 20 % of the writer thread's time.
  AISLE_RETURN_IF_ERROR(connection.Exec("PRAGMA wal_autocheckpoint = 10000"));
  return connection.Exec("PRAGMA journal_size_limit = 67108864");
}

namespace {

absl::Status CheckOptions(const StoreOptions& options) {
  if (options.path.empty()) return InvalidArgumentError("store: path is required", "path");
  if (options.busy_timeout_ms < 0) {
    return InvalidArgumentError("store: busy_timeout_ms must be >= 0", "busy_timeout_ms");
  }
  if (options.read_connections < 1) {
    return InvalidArgumentError("store: read_connections must be >= 1", "read_connections");
  }
  if (options.max_jobs_per_transaction < 1) {
    return InvalidArgumentError("store: max_jobs_per_transaction must be >= 1",
                                "max_jobs_per_transaction");
  }
  if (options.max_pending_jobs < 1) {
    return InvalidArgumentError("store: max_pending_jobs must be >= 1", "max_pending_jobs");
  }
  if (options.user_index_batch < 1) {
    return InvalidArgumentError("store: user_index_batch must be >= 1", "user_index_batch");
  }
  if (sqlite3_threadsafe() == 0) {
    return absl::FailedPreconditionError("store: SQLite was built without thread support");
  }
  return absl::OkStatus();
}

absl::Status CreateParentDirectory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return absl::OkStatus();
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("store: cannot create directory ", parent.string(), ": ", error.message()));
  }
  return absl::OkStatus();
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const StoreOptions& options, std::unique_ptr<Connection> write_connection,
              std::unique_ptr<ReaderPool> readers, int schema_version)
      : clock_(options.clock != nullptr ? options.clock : &system_clock_),
        readers_(std::move(readers)),
        writer_(std::make_unique<Writer>(
            std::move(write_connection),
            WriterOptions{options.max_jobs_per_transaction, options.max_pending_jobs})),
        schema_version_(schema_version),
        events_(backend(), options.user_index_batch),
        signals_(backend()),
        competitor_prices_(backend()),
        settings_(backend()),
        profiles_(backend()),
        inventory_(backend(), options.id_generator ? options.id_generator
                                                   : std::function<std::string()>(RandomId)),
        carts_(backend(), options.id_generator ? options.id_generator
                                               : std::function<std::string()>(RandomId)),
        orders_(backend(), options.id_generator ? options.id_generator
                                                : std::function<std::string()>(RandomId)) {}
  ~SqliteStore() override { Close(); }

  EventStore* events() override { return &events_; }
  SignalStore* signals() override { return &signals_; }
  CompetitorPriceStore* competitor_prices() override { return &competitor_prices_; }
  SettingsStore* settings() override { return &settings_; }
  ProfileStore* profiles() override { return &profiles_; }
  InventoryStore* inventory() override { return &inventory_; }
  OrderStore* orders() override { return &orders_; }
  CartStore* carts() override { return &carts_; }

  StoreStats Stats() const override {
    const WriterStats writer = writer_->stats();
    return StoreStats{writer.commits, writer.jobs, writer.failed_jobs, schema_version_};
  }

  void Close() override {
    writer_->Close();
    readers_->Close();
  }

 private:
  Backend backend() { return Backend{writer_.get(), readers_.get(), clock_}; }

  SystemClock system_clock_;
  const Clock* clock_;
  std::unique_ptr<ReaderPool> readers_;
  std::unique_ptr<Writer> writer_;
  const int schema_version_;
  SqliteEventStore events_;
  SqliteSignalStore signals_;
  SqliteCompetitorPriceStore competitor_prices_;
  SqliteSettingsStore settings_;
  SqliteProfileStore profiles_;
  SqliteInventoryStore inventory_;
  SqliteCartStore carts_;
  SqliteOrderStore orders_;
};

}  // namespace
}  // namespace internal

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  using internal::Connection;
  AISLE_RETURN_IF_ERROR(internal::CheckOptions(options));
  AISLE_RETURN_IF_ERROR(internal::CreateParentDirectory(options.path));
  AISLE_ASSIGN_OR_RETURN(
      auto connection,
      Connection::Open(options.path, Connection::Mode::kReadWrite, options.busy_timeout_ms));
  AISLE_RETURN_IF_ERROR(internal::ConfigureWriteConnection(*connection, options.synchronous));
  SystemClock system_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  AISLE_ASSIGN_OR_RETURN(
      const int version,
      internal::ApplyMigrations(*connection, internal::AisleMigrations(), clock.NowMillis()));
  auto readers = std::make_unique<internal::ReaderPool>(
      options.path, options.busy_timeout_ms, static_cast<size_t>(options.read_connections));
  AISLE_RETURN_IF_ERROR(readers->Warm(static_cast<size_t>(options.read_connections)));
  return std::make_unique<internal::SqliteStore>(options, std::move(connection), std::move(readers),
                                                 version);
}

}  // namespace aisle::store
