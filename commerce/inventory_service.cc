#include "commerce/inventory_service.h"

#include <chrono>
#include <iostream>

namespace aisle::commerce {

InventoryService::InventoryService(const Clock& clock, store::InventoryStore* inventory,
                                   AvailabilitySink sink, InventoryServiceOptions options)
    : clock_(clock), inventory_(inventory), sink_(std::move(sink)), options_(options) {}

InventoryService::~InventoryService() { Stop(); }

absl::Status InventoryService::UpsertWarehouses(std::vector<store::Warehouse> warehouses) {
  return inventory_->UpsertWarehouses(std::move(warehouses)).get();
}

absl::StatusOr<std::vector<store::Warehouse>> InventoryService::Warehouses() const {
  return inventory_->ListWarehouses();
}

absl::StatusOr<store::ProductStock> InventoryService::SetStock(
    const std::string& product_id, const std::vector<StockCount>& counts) {
  // Submitted together, so the writer commits them in one group.
  std::vector<std::future<absl::Status>> pending;
  pending.reserve(counts.size());
  for (const StockCount& count : counts) {
    pending.push_back(inventory_->SetStock(product_id, count.warehouse_id, count.on_hand));
  }
  absl::Status first;
  for (auto& done : pending) first.Update(done.get());
  // Publish even after a partial failure: the counts that committed moved it.
  const absl::Status published = Publish({product_id});
  AISLE_RETURN_IF_ERROR(first);
  AISLE_RETURN_IF_ERROR(published);
  return Stock(product_id);
}

absl::StatusOr<store::ProductStock> InventoryService::Stock(const std::string& product_id) const {
  return inventory_->GetStock(product_id, clock_.NowMillis());
}

absl::StatusOr<store::Reservation> InventoryService::Reserve(const ReserveOptions& request) {
  return PublishedReservation(inventory_
                                  ->Reserve({.product_id = request.product_id,
                                             .user_id = request.user_id,
                                             .cart_id = request.cart_id,
                                             .quantity = request.quantity,
                                             .now_ms = clock_.NowMillis(),
                                             .ttl_ms = options_.reservation_ttl_ms,
                                             .max_active_per_user = options_.max_active_per_user})
                                  .get());
}

absl::StatusOr<store::Reservation> InventoryService::Extend(const std::string& reservation_id) {
  // Availability does not move: nothing to publish.
  return inventory_
      ->Extend({.reservation_id = reservation_id,
                .now_ms = clock_.NowMillis(),
                .ttl_ms = options_.reservation_ttl_ms,
                .max_extensions = options_.max_extensions})
      .get();
}

absl::StatusOr<store::Reservation> InventoryService::UpdateQuantity(
    const std::string& reservation_id, int64_t quantity) {
  return PublishedReservation(
      inventory_->UpdateQuantity(reservation_id, quantity, clock_.NowMillis()).get());
}

absl::StatusOr<store::Reservation> InventoryService::Release(const std::string& reservation_id) {
  return PublishedReservation(inventory_->Release(reservation_id).get());
}

absl::StatusOr<std::optional<store::Reservation>> InventoryService::GetReservation(
    const std::string& reservation_id) const {
  return inventory_->GetReservation(reservation_id, clock_.NowMillis());
}

absl::StatusOr<store::Reservation> InventoryService::PublishedReservation(
    absl::StatusOr<store::Reservation> reservation) {
  if (!reservation.ok()) return reservation;
  // The reservation is committed either way; a failed read to publish is
  // logged, and the next change or sweep of the product corrects it.
  if (absl::Status s = Publish({reservation->product_id}); !s.ok()) {
    std::cerr << "inventory: publishing availability of '" << reservation->product_id
              << "': " << s.message() << "\n";
  }
  return reservation;
}

absl::Status InventoryService::Publish(const std::vector<std::string>& product_ids) {
  if (!sink_ || product_ids.empty()) return absl::OkStatus();
  const int64_t now = clock_.NowMillis();
  std::vector<std::pair<std::string, int64_t>> available;
  available.reserve(product_ids.size());
  for (const std::string& id : product_ids) {
    AISLE_ASSIGN_OR_RETURN(store::ProductStock stock, inventory_->GetStock(id, now));
    available.emplace_back(id, stock.available);
  }
  sink_(available);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> InventoryService::SweepOnce() {
  int64_t expired = 0;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(
        store::ExpiredReservations batch,
        inventory_->ExpireDue(clock_.NowMillis(), options_.sweep_batch).get());
    expired += batch.expired;
    AISLE_RETURN_IF_ERROR(Publish(batch.product_ids));
    if (batch.expired < options_.sweep_batch) return expired;
  }
}

absl::Status InventoryService::PublishAll() {
  if (!sink_) return absl::OkStatus();
  std::vector<std::pair<std::string, int64_t>> batch;
  constexpr size_t kBatch = 1000;
  AISLE_RETURN_IF_ERROR(inventory_->ForEachAvailability(
      clock_.NowMillis(), [&](const std::string& id, int64_t available) {
        batch.emplace_back(id, available);
        if (batch.size() >= kBatch) {
          sink_(batch);
          batch.clear();
        }
        return absl::OkStatus();
      }));
  if (!batch.empty()) sink_(batch);
  return absl::OkStatus();
}

void InventoryService::Start() {
  std::lock_guard lock(sweeper_mu_);
  if (sweeper_.joinable() || stopping_) return;
  sweeper_ = std::thread([this] {
    std::unique_lock lock(sweeper_mu_);
    while (!stopping_) {
      lock.unlock();
      if (auto swept = SweepOnce(); !swept.ok()) {
        std::cerr << "inventory: sweeping reservations: " << swept.status().message() << "\n";
      }
      lock.lock();
      sweeper_wake_.wait_for(lock, std::chrono::milliseconds(options_.sweep_interval_ms),
                             [this] { return stopping_; });
    }
  });
}

void InventoryService::Stop() {
  {
    std::lock_guard lock(sweeper_mu_);
    stopping_ = true;
  }
  sweeper_wake_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

}  // namespace aisle::commerce
