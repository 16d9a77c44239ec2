#include "commerce/quote_book.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/clock.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'699'999'200'000;

TEST(QuoteBook, IssuesQuotesWithCounterIdsAndFifteenMinuteExpiry) {
  FakeClock clock(kT0);
  QuoteBook book(clock);
  const auto first = book.Issue("p1", "u1", 103.46, 100);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->id, "q0000000000000001");
  EXPECT_EQ(first->product_id, "p1");
  EXPECT_EQ(first->user_id, "u1");
  EXPECT_EQ(first->price, 103.46);
  EXPECT_EQ(first->original_price, 100);
  EXPECT_EQ(first->issued_at_ms, kT0);
  EXPECT_EQ(first->expires_at_ms, kT0 + 15 * kMinute);
  const auto second = book.Issue("p1", "u1", 99, 100);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, "q0000000000000002");
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.Find(first->id), *first);
}

TEST(QuoteBook, ValidUntilExactlyItsExpiry) {
  FakeClock clock(kT0);
  QuoteBook book(clock);
  const Quote quote = *book.Issue("p1", "u1", 10, 12);
  clock.Advance(15 * kMinute - 1);
  const auto valid = book.Validate(quote.id, "p1", "u1");
  ASSERT_TRUE(valid.ok());
  EXPECT_EQ(valid->price, 10);
  clock.Advance(1);
  const auto expired = book.Validate(quote.id, "p1", "u1");
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(expired.status().message(), "quote expired");
}

TEST(QuoteBook, ExpiredQuotesArePurgedAfterTheRetention) {
  FakeClock clock(kT0);
  QuoteBook book(clock);
  const Quote old_quote = *book.Issue("p1", "u1", 10, 12);
  clock.Advance(20 * kMinute);
  const Quote newer = *book.Issue("p2", "u1", 5, 5);
  EXPECT_EQ(book.PurgeExpired(), 0u);  // Expired 5 min ago: kept 15 min as "expired".
  clock.Set(kT0 + 30 * kMinute - 1);
  EXPECT_EQ(book.PurgeExpired(), 0u);
  clock.Set(kT0 + 30 * kMinute);
  EXPECT_EQ(book.PurgeExpired(), 1u);
  EXPECT_EQ(book.Validate(old_quote.id, "p1", "u1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(book.Validate(newer.id, "p2", "u1").ok());
  // Issue() purges too.
  clock.Set(kT0 + 20 * kMinute + 30 * kMinute);
  ASSERT_TRUE(book.Issue("p3", "u1", 1, 1).ok());
  EXPECT_FALSE(book.Find(newer.id).has_value());
  EXPECT_EQ(book.size(), 1u);
}

TEST(QuoteBook, RejectsAnotherProductOrUserAndUnknownIds) {
  FakeClock clock(kT0);
  QuoteBook book(clock);
  const Quote quote = *book.Issue("p1", "u1", 10, 12);
  EXPECT_EQ(book.Validate(quote.id, "p2", "u1").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(book.Validate(quote.id, "p1", "u2").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(book.Validate(quote.id, "p1", "").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(book.Validate("q-nope", "p1", "u1").status().code(), absl::StatusCode::kNotFound);
  const Quote anonymous = *book.Issue("p1", "", 10, 12);
  EXPECT_TRUE(book.Validate(anonymous.id, "p1", "").ok());
}

TEST(QuoteBook, RejectsBadInput) {
  FakeClock clock(kT0);
  QuoteBook book(clock);
  EXPECT_EQ(book.Issue("", "u", 1, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book.Issue("p", "u", -1, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book.Issue("p", "u", std::nan(""), 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book.Issue("p", "u", 1, -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book.size(), 0u);
}

TEST(QuoteBook, UsesTheInjectedRandomSourceAndSkipsCollisions) {
  FakeClock clock(kT0);
  std::vector<uint64_t> draws = {0xabcdef, 0xabcdef, 0x1234};
  size_t next = 0;
  QuoteBookOptions options;
  options.random = [&] { return draws[next++]; };
  options.ttl_ms = 2 * kMinute;
  QuoteBook book(clock, options);
  const Quote a = *book.Issue("p", "u", 1, 1);
  const Quote b = *book.Issue("p", "u", 1, 1);
  EXPECT_EQ(a.id, "q0000000000abcdef");
  EXPECT_EQ(b.id, "q0000000000001234");
  EXPECT_EQ(next, 3u);
  EXPECT_EQ(a.expires_at_ms, kT0 + 2 * kMinute);
}

TEST(QuoteBook, EvictsTheOldestQuoteWhenFull) {
  FakeClock clock(kT0);
  QuoteBookOptions options;
  options.max_quotes = 2;
  QuoteBook book(clock, options);
  const Quote a = *book.Issue("p", "u", 1, 1);
  clock.Advance(1);
  const Quote b = *book.Issue("p", "u", 2, 2);
  clock.Advance(1);
  const Quote c = *book.Issue("p", "u", 3, 3);
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.Validate(a.id, "p", "u").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(book.Validate(b.id, "p", "u").ok());
  EXPECT_TRUE(book.Validate(c.id, "p", "u").ok());
}

}  // namespace
}  // namespace aisle::commerce
