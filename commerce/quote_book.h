// QuoteBook: price locks. A quote records the price a shopper was shown for a
// product, under an id the cart sends back; until it expires (15 min by
// default) the cart charges the quoted price, not whatever the price is now.
//
// Ids: "q" + 16 hex digits from the injected random source, or from a
// counter when none is given (deterministic, for tests; guessable, so the
// server must inject a random source). Validation also checks the product and
// the user, so a leaked id is useless to anyone else.
//
// Memory is bounded: quotes are dropped `retain_expired_ms` after they expire
// (so a just-expired quote still reads as expired, not unknown), and past
// `max_quotes` the quote closest to expiry is evicted.
//
// Ownership: in memory only; a restart loses quotes (carts then re-quote).
// Thread-safety: all methods may be called concurrently. The random source is
// called under the book's lock, so it need not be thread-safe itself.
#ifndef AISLE_COMMERCE_QUOTE_BOOK_H_
#define AISLE_COMMERCE_QUOTE_BOOK_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"

namespace aisle::commerce {

struct Quote {
  std::string id;
  std::string product_id;
  std::string user_id;  // May be empty (anonymous quote).
  double price = 0;
  double original_price = 0;
  int64_t issued_at_ms = 0;
  int64_t expires_at_ms = 0;  // Valid while now < expires_at_ms.
  bool operator==(const Quote&) const = default;
};

struct QuoteBookOptions {
  int64_t ttl_ms = 15 * 60 * 1000;
  int64_t retain_expired_ms = 15 * 60 * 1000;
  size_t max_quotes = 1'000'000;
  // Source of id bits; empty = a counter.
  std::function<uint64_t()> random;
};

class QuoteBook {
 public:
  // `clock` must outlive the book.
  explicit QuoteBook(const Clock& clock, QuoteBookOptions options = {});
  ~QuoteBook();
  QuoteBook(const QuoteBook&) = delete;
  QuoteBook& operator=(const QuoteBook&) = delete;

  // InvalidArgument for an empty product id or a negative / non-finite price.
  absl::StatusOr<Quote> Issue(const std::string& product_id, const std::string& user_id,
                              double price, double original_price);

  // The quote when it is live and was issued for this product and user.
  // NotFound: unknown id (never issued, or dropped after expiry: re-quote).
  // FailedPrecondition: expired (message "quote expired").
  // PermissionDenied: issued for another product or user.
  absl::StatusOr<Quote> Validate(const std::string& quote_id, const std::string& product_id,
                                 const std::string& user_id) const;

  // The quote by id, live or expired-but-retained.
  std::optional<Quote> Find(const std::string& quote_id) const;

  // Drops quotes expired for longer than retain_expired_ms; returns how many.
  // Issue() also does this, so calling it is optional.
  size_t PurgeExpired();

  size_t size() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_QUOTE_BOOK_H_
