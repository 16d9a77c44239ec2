// Internal: the date-time texts ingest accepts for createdAt (JSON) and the
// Flipkart crawl timestamp. Not a general ISO-8601 parser.
#ifndef AISLE_INGEST_DATETIME_INTERNAL_H_
#define AISLE_INGEST_DATETIME_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace aisle::ingest::internal {

// Parses "YYYY-MM-DD" or "YYYY-MM-DD(T| )HH:MM[:SS[.fraction]]" optionally
// followed by "Z", "+HH:MM", "+HHMM" or "+HH" (also with a space before the
// offset, as in "2016-03-25 22:59:23 +0000"). No offset means UTC. The
// fraction is dropped. Returns Unix seconds, or nullopt when the text is not
// of that form or names an impossible date (2023-02-30) or time (24:00).
std::optional<int64_t> ParseIsoDateTime(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace aisle::ingest::internal

#endif  // AISLE_INGEST_DATETIME_INTERNAL_H_
