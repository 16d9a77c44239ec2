#include "ingest/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aisle::ingest::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

struct Row {
  std::vector<std::string> fields;
  size_t line;
};

// Reads every record; fails the test on a reader error.
std::vector<Row> ReadAll(std::string_view text) {
  CsvReader reader(text);
  CsvRecord record;
  std::vector<Row> rows;
  while (true) {
    auto more = reader.Next(&record);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    rows.push_back(Row{record.fields, record.line});
  }
  return rows;
}

TEST(CsvReader, SplitsPlainRecordsOnCommasAndLineBreaks) {
  const auto rows = ReadAll("a,b,c\n1,2,3\n");
  ASSERT_THAT(rows, SizeIs(2));
  EXPECT_THAT(rows[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(rows[1].fields, ElementsAre("1", "2", "3"));
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[1].line, 2u);
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const auto rows =
      ReadAll("id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\r\nhere\"\n4,x\n");
  ASSERT_THAT(rows, SizeIs(5));
  EXPECT_THAT(rows[1].fields, ElementsAre("1", "a, b"));
  EXPECT_THAT(rows[2].fields, ElementsAre("2", "say \"hi\""));
  EXPECT_THAT(rows[3].fields, ElementsAre("3", "two\nlines\r\nhere"));
  EXPECT_EQ(rows[3].line, 4u);
  EXPECT_THAT(rows[4].fields, ElementsAre("4", "x"));
  EXPECT_EQ(rows[4].line, 7u);  // The quoted field spanned lines 4-6.
}

TEST(CsvReader, CrlfAndBareCrEndRecords) {
  const auto rows = ReadAll("a,b\r\n1,2\r\n3,4\r5,6");
  ASSERT_THAT(rows, SizeIs(4));
  EXPECT_THAT(rows[1].fields, ElementsAre("1", "2"));
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_THAT(rows[2].fields, ElementsAre("3", "4"));
  EXPECT_EQ(rows[2].line, 3u);
  EXPECT_THAT(rows[3].fields, ElementsAre("5", "6"));
  EXPECT_EQ(rows[3].line, 3u);  // A bare CR is not a new line number.
}

TEST(CsvReader, EmptyFieldsAndMissingFinalNewline) {
  const auto rows = ReadAll(",a,,\n\"\",\"\"");
  ASSERT_THAT(rows, SizeIs(2));
  EXPECT_THAT(rows[0].fields, ElementsAre("", "a", "", ""));
  EXPECT_THAT(rows[1].fields, ElementsAre("", ""));
}

TEST(CsvReader, EmptyLinesAreSkippedButCounted) {
  const auto rows = ReadAll("\n\na\r\n\r\n\nb\n\n");
  ASSERT_THAT(rows, SizeIs(2));
  EXPECT_EQ(rows[0].line, 3u);
  EXPECT_EQ(rows[1].line, 6u);
  EXPECT_THAT(ReadAll(""), IsEmpty());
  EXPECT_THAT(ReadAll("\n\r\n"), IsEmpty());
}

TEST(CsvReader, StrayQuotesAreKeptLikeSpreadsheetsDo) {
  const auto rows = ReadAll("ab\"c,\"q\"tail,d\n");
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_THAT(rows[0].fields, ElementsAre("ab\"c", "qtail", "d"));
}

TEST(CsvReader, SkipsAUtf8ByteOrderMark) {
  const auto rows = ReadAll("\xEF\xBB\xBFid,name\n1,x\n");
  ASSERT_THAT(rows, SizeIs(2));
  EXPECT_THAT(rows[0].fields, ElementsAre("id", "name"));
}

TEST(CsvReader, KeepsNonAsciiBytesAsTheyAre) {
  const auto rows = ReadAll("caf\xC3\xA9,\"\xFF\"\n");
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_THAT(rows[0].fields, ElementsAre("caf\xC3\xA9", "\xFF"));
}

TEST(CsvReader, UnterminatedQuoteIsAnErrorAtTheRecordStart) {
  const std::string text = "a,b\n1,2\n3,\"never\nclosed\n";
  CsvReader reader(text);
  CsvRecord record;
  ASSERT_TRUE(*reader.Next(&record));
  ASSERT_TRUE(*reader.Next(&record));
  auto third = reader.Next(&record);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorPosition(third.status()), 8u);
  EXPECT_EQ(record.line, 3u);
  auto after = reader.Next(&record);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(*after);
}

TEST(CsvReader, ReusesRecordStorageAcrossShorterRecords) {
  const auto rows = ReadAll("a,b,c,d\nx\n");
  ASSERT_THAT(rows, SizeIs(2));
  EXPECT_THAT(rows[1].fields, ElementsAre("x"));
}

}  // namespace
}  // namespace aisle::ingest::internal
