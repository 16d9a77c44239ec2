// Internal to store/: the SQLite implementations of the public store
// interfaces, and what they share. Each sub-store is a thin layer: validate
// on the caller's thread (bad input never reaches the writer), then submit a
// job to the Writer or read through a ReaderPool lease.
//
// Issue D's stores (inventory and reservations so far; carts, orders,
// payments, fulfillment, outbox next) follow the same shape: one class per
// interface here, each multi-table operation one write job (so it is atomic,
// serialized with every other write, and acknowledged after its group's
// COMMIT).
#ifndef AISLE_STORE_SQLITE_STORES_INTERNAL_H_
#define AISLE_STORE_SQLITE_STORES_INTERNAL_H_

#include <functional>
#include <future>
#include <string>
#include <string_view>
#include <utility>

#include "base/clock.h"
#include "base/status.h"
#include "store/reader_pool_internal.h"
#include "store/store.h"
#include "store/writer_internal.h"

namespace aisle::store::internal {

// What every sub-store uses; owned by the Store, which outlives them.
struct Backend {
  Writer* writer;
  ReaderPool* readers;
  const Clock* clock;
};

template <typename T>
std::future<T> ReadyFuture(T value) {
  std::promise<T> promise;
  promise.set_value(std::move(value));
  return promise.get_future();
}

// InvalidArgument "<list>[<index>].<field>: <problem>" naming `field`.
absl::Status BadItem(std::string_view list, size_t index, std::string_view field,
                     std::string_view problem);
// Non-empty, valid UTF-8 (SQLite TEXT must stay valid for readers in other
// languages); otherwise a BadItem naming `field`.
absl::Status CheckRequiredText(std::string_view value, std::string_view list, size_t index,
                               std::string_view field);
// Valid UTF-8, possibly empty.
absl::Status CheckText(std::string_view value, std::string_view list, size_t index,
                       std::string_view field);
// A single argument (a key, a user id): non-empty valid UTF-8, otherwise
// InvalidArgument "<field>: <problem>" naming `field`.
absl::Status CheckRequiredArgument(std::string_view value, std::string_view field);

// StoreOptions::id_generator's default: 16 bytes from getrandom(2) as 32
// lowercase hex digits; empty if the OS refuses to provide randomness.
std::string RandomId();

// The write connection's pragmas: WAL, `synchronous` per `sync`, foreign
// keys, a large page cache and in-memory journals for savepoints.
absl::Status ConfigureWriteConnection(Connection& connection, SyncMode sync);

class SqliteEventStore final : public EventStore {
 public:
  // `user_index_batch`: see StoreOptions.
  SqliteEventStore(Backend backend, int64_t user_index_batch)
      : backend_(backend), user_index_batch_(user_index_batch) {}
  std::future<absl::Status> AppendEvents(std::vector<Event> events) override;
  absl::Status ForEachEventSince(int64_t since_ms, const EventCallback& callback) const override;
  absl::StatusOr<std::vector<Event>> RecentEventsForUser(std::string_view user_id,
                                                         size_t limit) const override;
  absl::StatusOr<int64_t> CountEvents(const EventCountQuery& query) const override;
  absl::Status ForEachDailyPurchases(const PurchaseHistoryQuery& query,
                                     const DailyPurchasesCallback& callback) const override;
  std::future<absl::StatusOr<int64_t>> DeleteEventsBefore(int64_t before_ms) override;
  std::future<absl::StatusOr<int64_t>> DeleteUserEvents(std::string user_id) override;

 private:
  // The events_by_user batching; touched only by jobs and their finish
  // callbacks, i.e. on the writer thread.
  struct UserIndexState {
    int64_t through = -1;  // Highest event id covered; -1 = not read yet.
    bool queued = false;   // An indexing job is waiting or running.
  };
  absl::Status Insert(Transaction& tx, const std::vector<Event>& events);
  void MaybeIndexUsers(Transaction& tx, int64_t last_id);
  absl::Status IndexUsers(Transaction& tx);

  Backend backend_;
  const int64_t user_index_batch_;
  UserIndexState user_index_;
};

class SqliteSignalStore final : public SignalStore {
 public:
  explicit SqliteSignalStore(Backend backend) : backend_(backend) {}
  std::future<absl::Status> UpsertSignals(std::vector<SignalUpdate> updates) override;
  std::future<absl::StatusOr<int64_t>> DeleteSignals(std::vector<std::string> product_ids) override;
  absl::StatusOr<std::optional<ProductSignal>> GetSignal(
      std::string_view product_id) const override;
  absl::Status ForEachSignal(const SignalCallback& callback) const override;

 private:
  Backend backend_;
};

class SqliteCompetitorPriceStore final : public CompetitorPriceStore {
 public:
  explicit SqliteCompetitorPriceStore(Backend backend) : backend_(backend) {}
  std::future<absl::Status> UpsertCompetitorPrices(std::vector<CompetitorPrice> prices) override;
  absl::StatusOr<std::vector<CompetitorPrice>> CompetitorPrices(
      std::string_view product_id, std::string_view region) const override;
  absl::Status ForEachCompetitorPrice(const CompetitorPriceCallback& callback) const override;

 private:
  Backend backend_;
};

class SqliteSettingsStore final : public SettingsStore {
 public:
  explicit SqliteSettingsStore(Backend backend) : backend_(backend) {}
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) const override;
  std::future<absl::Status> Put(std::string key, std::string json_text) override;

 private:
  Backend backend_;
};

class SqliteProfileStore final : public ProfileStore {
 public:
  explicit SqliteProfileStore(Backend backend) : backend_(backend) {}
  absl::StatusOr<std::optional<std::string>> Get(std::string_view user_id) const override;
  std::future<absl::Status> Put(std::string user_id, std::string blob) override;
  std::future<absl::StatusOr<bool>> Delete(std::string user_id) override;

 private:
  Backend backend_;
};

class SqliteInventoryStore final : public InventoryStore {
 public:
  // `new_id`: StoreOptions::id_generator (or RandomId); called on the writer
  // thread only.
  SqliteInventoryStore(Backend backend, std::function<std::string()> new_id)
      : backend_(backend), new_id_(std::move(new_id)) {}
  std::future<absl::Status> UpsertWarehouses(std::vector<Warehouse> warehouses) override;
  absl::StatusOr<std::vector<Warehouse>> ListWarehouses() const override;
  std::future<absl::Status> SetStock(std::string product_id, std::string warehouse_id,
                                     int64_t on_hand) override;
  absl::StatusOr<ProductStock> GetStock(std::string_view product_id, int64_t now_ms) const override;
  absl::Status ForEachAvailability(
      int64_t now_ms,
      const std::function<absl::Status(const std::string&, int64_t)>& callback) const override;
  std::future<absl::StatusOr<Reservation>> Reserve(ReserveRequest request) override;
  std::future<absl::StatusOr<Reservation>> Extend(ExtendRequest request) override;
  std::future<absl::StatusOr<Reservation>> UpdateQuantity(std::string reservation_id,
                                                          int64_t new_quantity,
                                                          int64_t now_ms) override;
  std::future<absl::StatusOr<Reservation>> Release(std::string reservation_id) override;
  std::future<absl::Status> Commit(CommitRequest request) override;
  std::future<absl::StatusOr<ExpiredReservations>> ExpireDue(int64_t now_ms,
                                                             int64_t limit) override;
  absl::StatusOr<std::optional<Reservation>> GetReservation(std::string_view reservation_id,
                                                            int64_t now_ms) const override;
  absl::StatusOr<std::vector<Reservation>> ListActiveReservations(std::string_view user_id,
                                                                  int64_t now_ms) const override;

 private:
  // `now_ms`, or the store clock's now when it is 0.
  int64_t Now(int64_t now_ms) const { return now_ms != 0 ? now_ms : backend_.clock->NowMillis(); }

  Backend backend_;
  std::function<std::string()> new_id_;  // Writer thread only.
};

class SqliteCartStore final : public CartStore {
 public:
  // `new_id`: as SqliteInventoryStore's.
  SqliteCartStore(Backend backend, std::function<std::string()> new_id)
      : backend_(backend), new_id_(std::move(new_id)) {}
  std::future<absl::StatusOr<CreatedCart>> CreateCart(std::string user_id, int64_t now_ms) override;
  std::future<absl::StatusOr<LineWriteResult>> WriteLine(LineWrite write) override;
  std::future<absl::StatusOr<Cart>> SetCartUser(std::string cart_id, std::string user_id,
                                                int64_t now_ms) override;
  std::future<absl::Status> MarkMerged(std::string source_cart_id, std::string target_cart_id,
                                       std::vector<CartLine> target_lines, int64_t now_ms) override;
  absl::StatusOr<std::optional<CartContents>> GetCart(std::string_view cart_id,
                                                      int64_t now_ms) const override;
  absl::StatusOr<std::optional<Cart>> FindActiveCartOfUser(std::string_view user_id) const override;

 private:
  int64_t Now(int64_t now_ms) const { return now_ms != 0 ? now_ms : backend_.clock->NowMillis(); }

  Backend backend_;
  std::function<std::string()> new_id_;  // Writer thread only.
};

class SqliteOrderStore final : public OrderStore {
 public:
  // `new_id`: as SqliteInventoryStore's (order, payment and task ids).
  SqliteOrderStore(Backend backend, std::function<std::string()> new_id)
      : backend_(backend), new_id_(std::move(new_id)) {}
  std::future<absl::StatusOr<CreateOrderResult>> CreateOrder(CreateOrderRequest request) override;
  std::future<absl::StatusOr<TransitionResult>> TransitionOrder(
      TransitionRequest request) override;
  absl::StatusOr<std::optional<Order>> GetOrder(std::string_view order_id) const override;
  absl::StatusOr<std::optional<Order>> GetOrderByIdempotencyKey(
      std::string_view idempotency_key) const override;
  absl::StatusOr<std::vector<Order>> ListOrdersOfUser(std::string_view user_id,
                                                      int64_t limit) const override;
  absl::StatusOr<std::vector<Order>> ListOrdersInStatus(std::string_view status,
                                                        int64_t updated_before_ms,
                                                        int64_t limit) const override;
  absl::StatusOr<int64_t> CountOrders(std::string_view user_id, int64_t since_ms) const override;
  absl::StatusOr<std::map<std::string, int64_t>> SumOrderTotals(std::string_view user_id,
                                                                int64_t since_ms) const override;
  absl::StatusOr<int64_t> CountFailedPayments(std::string_view user_id,
                                              int64_t since_ms) const override;
  absl::StatusOr<CardUsageCounts> CardUsage(std::string_view user_id, std::string_view token,
                                            int64_t since_ms) const override;
  absl::StatusOr<DeviceUsageCounts> DeviceUsage(std::string_view user_id,
                                                std::string_view fingerprint,
                                                int64_t since_ms) const override;
  absl::StatusOr<CustomerHistory> CustomerHistoryOf(std::string_view user_id,
                                                    std::string_view currency,
                                                    std::string_view placed_status,
                                                    int64_t limit) const override;
  absl::StatusOr<std::optional<RiskRecord>> GetRisk(std::string_view order_id) const override;
  absl::StatusOr<std::vector<PendingReview>> ListPendingReviews(int64_t limit) const override;
  std::future<absl::StatusOr<Payment>> RecordPayment(Payment payment) override;
  absl::StatusOr<std::vector<Payment>> ListPayments(std::string_view order_id) const override;
  std::future<absl::StatusOr<std::vector<FulfillmentTask>>> CreateFulfillmentTasks(
      std::string order_id, std::vector<FulfillmentTaskSpec> tasks, int64_t now_ms) override;
  absl::StatusOr<std::vector<FulfillmentTask>> ListFulfillmentTasks(
      std::string_view warehouse_id, FulfillmentStatus status, int64_t limit) const override;
  absl::StatusOr<std::vector<FulfillmentTask>> ListOrderFulfillmentTasks(
      std::string_view order_id) const override;
  std::future<absl::StatusOr<FulfillmentCompletion>> CompleteFulfillmentTask(
      std::string task_id, int64_t now_ms) override;
  absl::StatusOr<std::vector<OutboxEntry>> PendingOutbox(int64_t now_ms,
                                                         int64_t limit) const override;
  std::future<absl::Status> MarkDelivered(int64_t seq, int64_t now_ms) override;
  std::future<absl::StatusOr<OutboxEntry>> MarkAttemptFailed(int64_t seq,
                                                             int64_t next_attempt_at_ms,
                                                             std::string error) override;
  absl::StatusOr<std::vector<OutboxEntry>> ListOrderOutbox(
      std::string_view order_id) const override;

 private:
  // `now_ms`, or the store clock's now when it is 0.
  int64_t Now(int64_t now_ms) const { return now_ms != 0 ? now_ms : backend_.clock->NowMillis(); }

  Backend backend_;
  std::function<std::string()> new_id_;  // Writer thread only.
};

}  // namespace aisle::store::internal

#endif  // AISLE_STORE_SQLITE_STORES_INTERNAL_H_
