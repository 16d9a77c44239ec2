#include "server/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "base/utf8.h"

namespace aisle::server {
namespace {

// Parses `json` with simdjson (a strict validator, including UTF-8).
simdjson::dom::element Parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element element;
  const auto error = parser.parse(json).get(element);
  EXPECT_EQ(error, simdjson::SUCCESS) << "invalid JSON: " << json;
  return element;
}

std::string StringValue(const std::string& input) {
  JsonWriter writer;
  writer.String(input);
  return writer.Take();
}

TEST(JsonWriter, WritesNestedContainersWithCommasAndColons) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").Int(1);
  w.Key("b").BeginArray().Int(-2).Uint(3).Bool(true).Bool(false).Null().EndArray();
  w.Key("c").BeginObject().EndObject();
  w.Key("d").BeginArray().EndArray();
  w.Key("e")
      .BeginArray()
      .BeginObject()
      .Key("x")
      .String("y")
      .EndObject()
      .BeginArray()
      .EndArray()
      .EndArray();
  w.Key("f").Raw(R"({"pre":[1,2]})");
  w.EndObject();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(w.str(), R"({"a":1,"b":[-2,3,true,false,null],"c":{},"d":[],"e":[{"x":"y"},[]],)"
                     R"("f":{"pre":[1,2]}})");
}

TEST(JsonWriter, CompleteOnlyWhenEveryContainerIsClosed) {
  JsonWriter w;
  EXPECT_FALSE(w.complete());
  w.BeginArray();
  EXPECT_FALSE(w.complete());
  w.EndArray();
  EXPECT_TRUE(w.complete());
}

TEST(JsonWriter, TakeResetsTheWriterForReuse) {
  JsonWriter w;
  w.BeginArray().Int(1).EndArray();
  EXPECT_EQ(w.Take(), "[1]");
  EXPECT_EQ(w.str(), "");
  w.BeginObject().Key("k").Int(2).EndObject();
  EXPECT_EQ(w.Take(), R"({"k":2})");
}

TEST(JsonWriter, TopLevelScalars) {
  EXPECT_EQ(JsonWriter().String("x").str(), R"("x")");
  EXPECT_EQ(JsonWriter().Int(std::numeric_limits<int64_t>::min()).str(), "-9223372036854775808");
  EXPECT_EQ(JsonWriter().Uint(std::numeric_limits<uint64_t>::max()).str(), "18446744073709551615");
  EXPECT_EQ(JsonWriter().Null().str(), "null");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(StringValue("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(StringValue("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(StringValue(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(StringValue("\x7f/<>&"), "\"\x7f/<>&\"");  // Legal unescaped.
  EXPECT_EQ(StringValue(""), R"("")");
}

TEST(JsonWriter, EscapesKeysLikeStrings) {
  JsonWriter w;
  w.BeginObject().Key("k\"\n").Int(1).EndObject();
  EXPECT_EQ(w.str(), R"({"k\"\n":1})");
}

TEST(JsonWriter, KeepsValidUtf8AsIs) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF";
  EXPECT_EQ(StringValue(text), "\"" + text + "\"");
}

TEST(JsonWriter, ReplacesInvalidUtf8WithReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(StringValue("a\xFF"
                        "b"),
            "\"a" + fffd + "b\"");
  EXPECT_EQ(StringValue("\xC0\xAF"), "\"" + fffd + fffd + "\"");             // Overlong.
  EXPECT_EQ(StringValue("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");  // Surrogate.
  EXPECT_EQ(StringValue("\xE2\x82"), "\"" + fffd + "\"");  // Truncated: one subpart.
  EXPECT_EQ(StringValue("x\xF0\x9F\x98"), "\"x" + fffd + "\"");
  EXPECT_EQ(StringValue("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");
}

TEST(JsonWriter, DoublesUseShortestRoundTripForm) {
  EXPECT_EQ(JsonWriter().Double(49.0).str(), "49");
  EXPECT_EQ(JsonWriter().Double(0.1).str(), "0.1");
  EXPECT_EQ(JsonWriter().Double(-2.5).str(), "-2.5");
  EXPECT_EQ(JsonWriter().Double(1e22).str(), "1e+22");
  EXPECT_EQ(JsonWriter().Double(5e-324).str(), "5e-324");
  EXPECT_EQ(JsonWriter().Double(0.0).str(), "0");
  EXPECT_EQ(JsonWriter().Double(999999999999999.0).str(), "999999999999999");
  EXPECT_EQ(JsonWriter().Double(1e15).str(), "1e+15");
  EXPECT_EQ(JsonWriter().Double(-4.6585585718116136e20).str(), "-4.6585585718116136e+20");
  EXPECT_EQ(JsonWriter().Double(123456.789e3).str(), "123456789");
}

TEST(JsonWriter, NonFiniteDoublesBecomeNull) {
  JsonWriter w;
  w.BeginArray()
      .Double(std::numeric_limits<double>::quiet_NaN())
      .Double(std::numeric_limits<double>::infinity())
      .Double(-std::numeric_limits<double>::infinity())
      .EndArray();
  EXPECT_EQ(w.str(), "[null,null,null]");
}

TEST(JsonWriter, RandomStringsRoundTripThroughSimdjsonAsRepairedUtf8) {
  std::mt19937 rng(12345);
  simdjson::dom::parser parser;
  // Bytes biased towards the interesting ranges: ASCII, controls, UTF-8 leads.
  std::uniform_int_distribution<int> kind(0, 5), byte(0, 255), len(0, 40);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string input;
    const int n = len(rng);
    for (int i = 0; i < n; ++i) {
      switch (kind(rng)) {
        case 0:
          input.push_back(static_cast<char>(byte(rng) & 0x1F));
          break;
        case 1:
          input.push_back("\"\\/"[byte(rng) % 3]);
          break;
        case 2:
          input.append("\xE2\x82\xAC");
          break;
        case 3:
          input.push_back(static_cast<char>(0x80 | (byte(rng) & 0x7F)));
          break;
        default:
          input.push_back(static_cast<char>(byte(rng)));
          break;
      }
    }
    JsonWriter w;
    w.BeginObject().Key(input).String(input).EndObject();
    const std::string json = w.Take();
    simdjson::dom::element doc = Parse(parser, json);
    std::string repaired;
    RepairUtf8(input, &repaired);
    simdjson::dom::object object;
    ASSERT_EQ(doc.get(object), simdjson::SUCCESS);
    ASSERT_EQ(object.size(), 1u);
    for (auto field : object) {
      EXPECT_EQ(std::string(field.key), repaired);
      std::string_view value;
      ASSERT_EQ(field.value.get(value), simdjson::SUCCESS);
      EXPECT_EQ(std::string(value), repaired);
    }
  }
}

TEST(JsonWriter, RandomDoublesRoundTripBitExactThroughSimdjson) {
  std::mt19937_64 rng(777);
  simdjson::dom::parser parser;
  int finite = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    const uint64_t bits = rng();
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    if (iteration % 4 == 0) value = static_cast<double>(static_cast<int64_t>(bits) >> 20);
    JsonWriter w;
    w.BeginArray().Double(value).EndArray();
    const std::string json = w.Take();
    simdjson::dom::element doc = Parse(parser, json);
    simdjson::dom::element item = doc.at(0);
    if (!std::isfinite(value)) {
      EXPECT_TRUE(item.is_null()) << json;
      continue;
    }
    ++finite;
    double parsed = 0;
    ASSERT_EQ(item.get(parsed), simdjson::SUCCESS) << json;
    if (value == 0) {
      EXPECT_EQ(parsed, 0.0) << json;  // "-0" may come back as integer 0.
    } else {
      EXPECT_EQ(parsed, value) << json;
    }
  }
  EXPECT_GT(finite, 15000);
}

TEST(JsonWriter, OutputOfEveryKindParses) {
  JsonWriter w;
  w.BeginObject();
  w.Key("hits").BeginArray();
  for (int i = 0; i < 3; ++i) {
    std::string id = "p";  // Not "p" + to_string(i): a g++ 12 -Wrestrict false positive.
    id += std::to_string(i);
    w.BeginObject()
        .Key("id")
        .String(id)
        .Key("price")
        .Double(i * 1.25)
        .Key("stock")
        .Int(-i)
        .Key("tags")
        .BeginArray()
        .String("a")
        .String("\x01")
        .EndArray()
        .EndObject();
  }
  w.EndArray();
  w.Key("total").Uint(3).Key("more").Bool(false).Key("next").Null();
  w.EndObject();
  simdjson::dom::parser parser;
  simdjson::dom::element doc = Parse(parser, w.str());
  int64_t stock = 0;
  ASSERT_EQ(doc.at_pointer("/hits/2/stock").get(stock), simdjson::SUCCESS);
  EXPECT_EQ(stock, -2);
  std::string_view tag;
  ASSERT_EQ(doc.at_pointer("/hits/0/tags/1").get(tag), simdjson::SUCCESS);
  EXPECT_EQ(tag, "\x01");
}

}  // namespace
}  // namespace aisle::server
