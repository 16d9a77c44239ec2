#include "base/utf8.h"

#include <gtest/gtest.h>

namespace aisle {
namespace {

TEST(Utf8, AcceptsAsciiAndMultiByteText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
}

TEST(Utf8, ReportsOffsetOfFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("abc\xFF"), 3u);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);            // Truncated 2-byte sequence.
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);          // Overlong '/'.
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);     // UTF-16 surrogate.
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // Above U+10FFFF.
  EXPECT_EQ(FindInvalidUtf8("ok\xE2\x82"), 2u);        // Truncated 3-byte sequence.
}

TEST(Utf8, RepairReplacesMaximalSubpartsDeterministically) {
  std::string out;
  EXPECT_EQ(RepairUtf8("a\xFF" "b", &out), 1u);
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b");
  // A truncated 3-byte sequence is one maximal subpart: one replacement.
  EXPECT_EQ(RepairUtf8("x\xE2\x82y", &out), 1u);
  EXPECT_EQ(out, "x\xEF\xBF\xBDy");
  // Two stray continuation bytes are two replacements.
  EXPECT_EQ(RepairUtf8("\x80\x80", &out), 2u);
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_EQ(RepairUtf8("valid \xC3\xA9", &out), 0u);
  EXPECT_EQ(out, "valid \xC3\xA9");
}

}  // namespace
}  // namespace aisle
