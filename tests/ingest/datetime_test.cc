#include <gtest/gtest.h>

#include "ingest/datetime_internal.h"

namespace aisle::ingest::internal {
namespace {

TEST(ParseIsoDateTime, AcceptsDatesDateTimesAndOffsets) {
  EXPECT_EQ(ParseIsoDateTime("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoDateTime("2000-02-29"), 951782400);
  EXPECT_EQ(ParseIsoDateTime("2024-01-15T10:30"), 1705314600);
  EXPECT_EQ(ParseIsoDateTime("2024-01-15 10:30:00"), 1705314600);
  EXPECT_EQ(ParseIsoDateTime("2024-01-15t10:30:00z"), 1705314600);
  EXPECT_EQ(ParseIsoDateTime("2024-01-15T10:30:00.999999Z"), 1705314600);
  EXPECT_EQ(ParseIsoDateTime("2024-01-15T05:00:00-05:30"), 1705314600);
  EXPECT_EQ(ParseIsoDateTime("2024-01-15T16:00:00+0530"), 1705314600);
  EXPECT_EQ(ParseIsoDateTime("2024-01-15T12:30:00+02"), 1705314600);
  EXPECT_EQ(ParseIsoDateTime("2016-03-25 22:59:23 +0000"), 1458946763);
  EXPECT_EQ(ParseIsoDateTime("1969-12-31T23:59:59Z"), -1);
}

TEST(ParseIsoDateTime, RejectsMalformedAndImpossibleValues) {
  for (const char* text :
       {"", "2024", "2024-1-5", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32",
        "2024-01-15T24:00", "2024-01-15T10:60", "2024-01-15T10", "2024-01-15X10:30",
        "2024-01-15T10:30:00+25:00", "2024-01-15T10:30:00Zjunk", "2024-01-15T10:30:00.Z",
        "yesterday", "2024-01-15 "}) {
    EXPECT_FALSE(ParseIsoDateTime(text).has_value()) << text;
  }
}

TEST(DaysFromCivil, MatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1900, 1, 1), -25567);
}

}  // namespace
}  // namespace aisle::ingest::internal
