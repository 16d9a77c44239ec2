#include "server/reprice_job.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace aisle::server {

RepriceJob::RepriceJob(const Clock& clock, index::ProductIndex* index,
                       const commerce::PricingService* pricing, RepriceJobOptions options)
    : clock_(clock),
      index_(index),
      pricing_(pricing),
      options_(std::move(options)),
      schedule_(clock, options_.interval_ms) {}

RepriceJob::~RepriceJob() { Stop(); }

absl::StatusOr<RepriceStats> RepriceJob::RunOnce() {
  absl::StatusOr<RepriceStats> result = Run();
  Record(result);
  return result;
}

absl::StatusOr<RepriceStats> RepriceJob::Run() {
  std::lock_guard run(run_mu_);
  logged_price_error_ = false;
  RepriceStats stats;
  stats.started_at_ms = clock_.NowMillis();
  // A zero page would never advance the cursor.
  const size_t page_size = std::max<size_t>(1, options_.batch_size);
  index::ScanCursor cursor;
  while (!cursor.done) {
    if (cancel_.load(std::memory_order_relaxed)) {
      return absl::CancelledError("repricing stopped");
    }
    AISLE_ASSIGN_OR_RETURN(const std::vector<index::Hit> page, index_->Scan(&cursor, page_size));
    stats.scanned += page.size();
    std::vector<PendingUpdate> updates;
    for (const index::Hit& hit : page) {
      const std::optional<double> price = PriceFrom(hit.product, hit.live.base_price, &stats);
      if (price && std::abs(*price - hit.live.price) > options_.min_change) {
        updates.push_back({.update = {.product_id = hit.product.id, .price = *price},
                           .base_price = hit.live.base_price,
                           .product = &hit.product});
      }
    }
    AISLE_RETURN_IF_ERROR(Apply(updates, &stats));
  }
  stats.elapsed_ms = clock_.NowMillis() - stats.started_at_ms;
  return stats;
}

std::optional<double> RepriceJob::PriceFrom(const Product& product, double base_price,
                                            RepriceStats* stats) {
  Product base = product;
  base.price = base_price;
  absl::StatusOr<commerce::PriceResult> priced = pricing_->Price(base);
  if (priced.ok() && std::isfinite(priced->price)) return priced->price;
  ++stats->failed;
  if (!logged_price_error_) {  // One line per run: a bad engine fails every product.
    logged_price_error_ = true;
    std::cerr << "aisle: repricing '" << product.id << "': "
              << (priced.ok() ? std::string("non-finite price")
                              : std::string(priced.status().message()))
              << "\n";
  }
  return std::nullopt;
}

absl::Status RepriceJob::Apply(const std::vector<PendingUpdate>& updates, RepriceStats* stats) {
  if (updates.empty()) return absl::OkStatus();
  std::vector<index::SignalUpdate> batch;
  batch.reserve(updates.size());
  for (const PendingUpdate& u : updates) batch.push_back(u.update);
  // Products deleted since the scan come back in unknown_ids: nothing to do.
  AISLE_ASSIGN_OR_RETURN(const index::SignalUpdateResult applied, index_->UpdateSignals(batch));
  stats->changed += applied.applied;

  // A catalog write or a price push between our scan and our update reset
  // the live price to a new base price, and we just overwrote that with a
  // price computed from the old base. Such products show a new base price
  // now: price them again from it. (A write after this check resets the
  // live price itself, which is the catalog's own behaviour.)
  std::vector<index::SignalUpdate> fixes;
  for (const PendingUpdate& u : updates) {
    absl::StatusOr<index::LiveSignals> live = index_->Signals(u.update.product_id);
    if (absl::IsNotFound(live.status())) continue;  // Deleted meanwhile.
    AISLE_RETURN_IF_ERROR(live.status());
    if (live->base_price == u.base_price) continue;  // Same column value: exact compare.
    const std::optional<double> price = PriceFrom(*u.product, live->base_price, stats);
    if (price && std::abs(*price - live->price) > options_.min_change) {
      fixes.push_back({.product_id = u.update.product_id, .price = *price});
    }
  }
  if (fixes.empty()) return absl::OkStatus();
  return index_->UpdateSignals(fixes).status();
}

void RepriceJob::Record(const absl::StatusOr<RepriceStats>& result) {
  if (!result.ok() && !absl::IsCancelled(result.status())) {
    std::cerr << "aisle: repricing failed: " << result.status().message() << "\n";
  }
  std::lock_guard lock(stats_mu_);
  last_status_ = result.status();
  if (result.ok()) last_stats_ = *result;
}

bool RepriceJob::Tick() {
  if (!schedule_.TryStart()) return false;
  RunOnce().IgnoreError();  // Recorded and reported by RunOnce.
  return true;
}

void RepriceJob::RequestNow() {
  schedule_.RequestNow();
  {
    std::lock_guard lock(wake_mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void RepriceJob::Start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void RepriceJob::Stop() {
  std::lock_guard lock(thread_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard wake(wake_mu_);
    stopping_ = true;
  }
  cancel_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
  thread_.join();
  cancel_.store(false, std::memory_order_relaxed);
  std::lock_guard wake(wake_mu_);
  stopping_ = false;
}

void RepriceJob::Loop() {
  const auto period = std::chrono::milliseconds(std::max<int64_t>(1, options_.poll_ms));
  std::unique_lock lock(wake_mu_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    Tick();
    lock.lock();
    wake_.wait_for(lock, period, [this] { return stopping_ || woken_; });
  }
}

std::optional<RepriceStats> RepriceJob::last_stats() const {
  std::lock_guard lock(stats_mu_);
  return last_stats_;
}

absl::Status RepriceJob::last_status() const {
  std::lock_guard lock(stats_mu_);
  return last_status_;
}

}  // namespace aisle::server
