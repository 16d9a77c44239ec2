// RepriceJob: the periodic dynamic repricing (the seed's priceUpdateFrequency,
// hourly by default). Each run scans every product in the index, prices it
// from its BASE price with PricingService (anonymous shopper: the list price
// of docs/PRICING.md), and writes the new price into the index's live price
// column where it moved by more than half a cent. Search hits, filters, sorts
// and the cart then show that price.
//
// The dynamic price is derived state (recomputable from the base price and
// the live counters), so it is not stored: after a restart the first run,
// which is due at once, restores it.
//
// A run prices from hit.live.base_price, never from the current live price,
// so prices do not compound from run to run. A base price that changes while
// a run is pricing (a catalog write or a signal push between the scan and
// the update) is detected after the update and the product is priced again
// from the new base price (see RunOnce).
//
// Scheduling: RepriceSchedule (commerce/pricing_service.h) on the injected
// clock decides when a run is due; Tick() runs one when it is. Tests call
// Tick() with a FakeClock; the server calls Start(), whose thread calls
// Tick() every poll period. RequestNow() makes the next tick run (after a
// pricing settings change) and wakes the thread.
//
// Ownership: borrows the clock, index and pricing service; all must outlive
// the job (destroy or Stop() it before closing the index).
// Thread-safety: every method may be called from any thread. Runs are
// serialized: a Tick() or RunOnce() during a run waits for it.
#ifndef AISLE_SERVER_REPRICE_JOB_H_
#define AISLE_SERVER_REPRICE_JOB_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "commerce/pricing_service.h"
#include "index/product_index.h"

namespace aisle::server {

struct RepriceJobOptions {
  // Time between the starts of two runs (PricingOptions::update_interval_ms).
  int64_t interval_ms = 3'600'000;
  // Products per Scan page and per UpdateSignals call.
  size_t batch_size = 1000;
  // How often the background thread asks whether a run is due (real time).
  int64_t poll_ms = 1000;
  // A live price is rewritten only when the new one differs by more than
  // this: rounding noise must not churn the columns.
  double min_change = 0.005;
};

struct RepriceStats {
  int64_t started_at_ms = 0;  // The clock's now when the run started.
  size_t scanned = 0;         // Products seen by the scan.
  size_t changed = 0;         // Live prices rewritten.
  size_t failed = 0;          // Products PricingService could not price.
  int64_t elapsed_ms = 0;     // On the injected clock.
};

class RepriceJob {
 public:
  RepriceJob(const Clock& clock, index::ProductIndex* index,
             const commerce::PricingService* pricing, RepriceJobOptions options = {});
  ~RepriceJob();  // Stop()s.
  RepriceJob(const RepriceJob&) = delete;
  RepriceJob& operator=(const RepriceJob&) = delete;

  // One full pass over the catalog, now. A product that fails to price keeps
  // its live price and is counted in `failed` (the first error goes to
  // stderr); the run goes on. An index error (Scan, UpdateSignals) ends the
  // run with that error, leaving the batches before it applied. Cancelled
  // when Stop() interrupts it between batches.
  absl::StatusOr<RepriceStats> RunOnce();

  // Runs RunOnce() when the schedule says a run is due (the first call is
  // due at once). Returns whether a run happened, successful or not; a
  // failed run is reported on stderr and retried at the next interval.
  bool Tick();

  // Makes the next Tick() run, and wakes the background thread.
  void RequestNow();

  // Starts the background thread: it ticks at once, then every poll_ms.
  // No-op when already started.
  void Start();
  // Stops and joins the thread, interrupting a run between two batches.
  // Returns promptly (at most one batch of pricing). Idempotent.
  void Stop();

  // The statistics of the last successful run; nullopt before one.
  std::optional<RepriceStats> last_stats() const;
  // The outcome of the last run (OK before the first).
  absl::Status last_status() const;

 private:
  // A new live price and what it was computed from.
  struct PendingUpdate {
    index::SignalUpdate update;
    double base_price = 0;
    const Product* product = nullptr;  // Points into the scanned page.
  };

  absl::StatusOr<RepriceStats> Run();

  // Prices `product` from `base_price`; nullopt (counted as failed) on error.
  std::optional<double> PriceFrom(const Product& product, double base_price, RepriceStats* stats);
  // Applies one page's updates, then re-prices those whose base price moved
  // meanwhile.
  absl::Status Apply(const std::vector<PendingUpdate>& updates, RepriceStats* stats);
  void Record(const absl::StatusOr<RepriceStats>& result);
  void Loop();

  const Clock& clock_;
  index::ProductIndex* const index_;
  const commerce::PricingService* const pricing_;
  const RepriceJobOptions options_;
  commerce::RepriceSchedule schedule_;

  std::mutex run_mu_;  // Serializes runs.
  std::atomic<bool> cancel_{false};
  // True once a run has logged a pricing error (one line per run, not per product).
  bool logged_price_error_ = false;  // Guarded by run_mu_.

  mutable std::mutex stats_mu_;
  std::optional<RepriceStats> last_stats_;  // Guarded by stats_mu_.
  absl::Status last_status_;                // Guarded by stats_mu_.

  std::mutex thread_mu_;  // Guards Start/Stop.
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by wake_mu_.
  bool woken_ = false;     // Guarded by wake_mu_.
  std::thread thread_;     // Guarded by thread_mu_.
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_REPRICE_JOB_H_
