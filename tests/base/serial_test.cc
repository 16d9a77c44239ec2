#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/serial.h"

namespace aisle {
namespace {

TEST(ByteCodec, RoundTripsEveryType) {
  ByteWriter out;
  out.PutU8(7);
  out.PutVarint(0);
  out.PutVarint(300);
  out.PutVarint(UINT64_MAX);
  out.PutSignedVarint(-1);
  out.PutSignedVarint(INT64_MIN);
  out.PutSignedVarint(INT64_MAX);
  out.PutDouble(-0.1);
  out.PutDouble(std::numeric_limits<double>::infinity());
  out.PutString("");
  out.PutString(std::string("a\0b", 3));
  const std::string bytes = out.Take();

  ByteReader in(bytes);
  uint8_t u8;
  uint64_t u;
  int64_t s;
  double d;
  std::string str;
  ASSERT_TRUE(in.GetU8(&u8));
  EXPECT_EQ(u8, 7);
  ASSERT_TRUE(in.GetVarint(&u));
  EXPECT_EQ(u, 0u);
  ASSERT_TRUE(in.GetVarint(&u));
  EXPECT_EQ(u, 300u);
  ASSERT_TRUE(in.GetVarint(&u));
  EXPECT_EQ(u, UINT64_MAX);
  ASSERT_TRUE(in.GetSignedVarint(&s));
  EXPECT_EQ(s, -1);
  ASSERT_TRUE(in.GetSignedVarint(&s));
  EXPECT_EQ(s, INT64_MIN);
  ASSERT_TRUE(in.GetSignedVarint(&s));
  EXPECT_EQ(s, INT64_MAX);
  ASSERT_TRUE(in.GetDouble(&d));
  EXPECT_EQ(d, -0.1);
  ASSERT_TRUE(in.GetDouble(&d));
  EXPECT_TRUE(std::isinf(d));
  ASSERT_TRUE(in.GetString(&str));
  EXPECT_EQ(str, "");
  ASSERT_TRUE(in.GetString(&str));
  EXPECT_EQ(str, std::string("a\0b", 3));
  EXPECT_TRUE(in.AtEnd());
  EXPECT_FALSE(in.GetU8(&u8));
}

TEST(ByteCodec, SmallVarintsAreOneByte) {
  ByteWriter out;
  out.PutVarint(127);
  out.PutSignedVarint(-64);
  EXPECT_EQ(out.data().size(), 2u);
}

TEST(ByteCodec, RejectsTruncatedAndOverlongInput) {
  // The reader views its input: keep the bytes alive.
  const std::string truncated_varint("\x80\x80", 2);
  const std::string overlong(11, '\xff');
  const std::string short_double(7, '\0');
  const std::string long_string(
      "\x05"
      "abc",
      4);
  uint64_t u;
  double d;
  std::string s;
  EXPECT_FALSE(ByteReader(truncated_varint).GetVarint(&u));
  EXPECT_FALSE(ByteReader(overlong).GetVarint(&u));
  EXPECT_FALSE(ByteReader(short_double).GetDouble(&d));
  EXPECT_FALSE(ByteReader(long_string).GetString(&s));
}

TEST(ByteCodec, FloatsRoundTripAndTruncationFails) {
  const std::vector<float> values = {0.0f, -1.5f, 3.25e-8f, std::numeric_limits<float>::max()};
  ByteWriter out;
  out.PutFloats(values);
  EXPECT_EQ(out.data().size(), values.size() * sizeof(float));

  std::vector<float> back(values.size());
  ByteReader in(out.data());
  ASSERT_TRUE(in.GetFloats(back));
  EXPECT_EQ(back, values);
  EXPECT_TRUE(in.AtEnd());

  ByteReader truncated(std::string_view(out.data()).substr(0, out.data().size() - 1));
  EXPECT_FALSE(truncated.GetFloats(back));
}

}  // namespace
}  // namespace aisle
