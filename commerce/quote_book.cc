#include "commerce/quote_book.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace aisle::commerce {

struct QuoteBook::State {
  const Clock& clock;
  QuoteBookOptions options;
  mutable std::mutex mu;
  absl::flat_hash_map<std::string, Quote> quotes;
  // Ids in issue order, which is expiry order while the TTL is fixed and the
  // clock does not go back (if it does, purging is merely delayed).
  std::deque<std::pair<int64_t, std::string>> by_expiry;
  uint64_t counter = 0;

  State(const Clock& c, QuoteBookOptions o) : clock(c), options(std::move(o)) {
    options.ttl_ms = std::max<int64_t>(1, options.ttl_ms);
    options.retain_expired_ms = std::max<int64_t>(0, options.retain_expired_ms);
  }

  std::string NewId() {
    for (;;) {
      const uint64_t bits = options.random ? options.random() : ++counter;
      char id[18];
      std::snprintf(id, sizeof(id), "q%016llx", static_cast<unsigned long long>(bits));
      if (!quotes.contains(id)) return id;
    }
  }

  size_t Purge(int64_t now) {
    size_t purged = 0;
    while (!by_expiry.empty() && by_expiry.front().first + options.retain_expired_ms <= now) {
      purged += quotes.erase(by_expiry.front().second);
      by_expiry.pop_front();
    }
    return purged;
  }
};

QuoteBook::QuoteBook(const Clock& clock, QuoteBookOptions options)
    : state_(std::make_unique<State>(clock, std::move(options))) {}

QuoteBook::~QuoteBook() = default;

absl::StatusOr<Quote> QuoteBook::Issue(const std::string& product_id, const std::string& user_id,
                                       double price, double original_price) {
  if (product_id.empty()) return InvalidArgumentError("product id is empty", "productId");
  if (!std::isfinite(price) || price < 0) {
    return InvalidArgumentError("price must be a finite number >= 0", "price");
  }
  if (!std::isfinite(original_price) || original_price < 0) {
    return InvalidArgumentError("original price must be a finite number >= 0", "originalPrice");
  }
  const int64_t now = state_->clock.NowMillis();
  std::lock_guard lock(state_->mu);
  state_->Purge(now);
  while (!state_->by_expiry.empty() &&
         state_->quotes.size() >= std::max<size_t>(1, state_->options.max_quotes)) {
    state_->quotes.erase(state_->by_expiry.front().second);
    state_->by_expiry.pop_front();
  }
  Quote quote{state_->NewId(),
              product_id,
              user_id,
              price,
              original_price,
              now,
              now + state_->options.ttl_ms};
  state_->by_expiry.emplace_back(quote.expires_at_ms, quote.id);
  state_->quotes.emplace(quote.id, quote);
  return quote;
}

absl::StatusOr<Quote> QuoteBook::Validate(const std::string& quote_id,
                                          const std::string& product_id,
                                          const std::string& user_id) const {
  const int64_t now = state_->clock.NowMillis();
  std::lock_guard lock(state_->mu);
  auto it = state_->quotes.find(quote_id);
  if (it == state_->quotes.end()) return absl::NotFoundError("unknown price quote");
  const Quote& quote = it->second;
  if (quote.product_id != product_id || quote.user_id != user_id) {
    return absl::PermissionDeniedError("price quote was issued for another product or user");
  }
  if (now >= quote.expires_at_ms) return absl::FailedPreconditionError("quote expired");
  return quote;
}

std::optional<Quote> QuoteBook::Find(const std::string& quote_id) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->quotes.find(quote_id);
  if (it == state_->quotes.end()) return std::nullopt;
  return it->second;
}

size_t QuoteBook::PurgeExpired() {
  const int64_t now = state_->clock.NowMillis();
  std::lock_guard lock(state_->mu);
  return state_->Purge(now);
}

size_t QuoteBook::size() const {
  std::lock_guard lock(state_->mu);
  return state_->quotes.size();
}

}  // namespace aisle::commerce
