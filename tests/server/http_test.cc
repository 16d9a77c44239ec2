#include "server/http.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace aisle::server {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%20b%2Fc%2fd", false, &out));
  EXPECT_EQ(out, "a b/c/d");
  ASSERT_TRUE(PercentDecode("a+b", false, &out));
  EXPECT_EQ(out, "a+b");
  ASSERT_TRUE(PercentDecode("a+b", true, &out));
  EXPECT_EQ(out, "a b");
  ASSERT_TRUE(PercentDecode("%00%FF", false, &out));
  EXPECT_EQ(out, std::string("\x00\xFF", 2));
  ASSERT_TRUE(PercentDecode("", false, &out));
  EXPECT_EQ(out, "");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  std::string out;
  for (const char* bad : {"%", "%2", "a%", "a%g0", "%0g", "%%", "ab%2"}) {
    EXPECT_FALSE(PercentDecode(bad, false, &out)) << bad;
  }
}

TEST(ParseQueryString, SplitsAndDecodesPairsInOrder) {
  Pairs out;
  ASSERT_TRUE(ParseQueryString("q=red+shoes&limit=20&q=x%26y&flag&empty=", &out));
  EXPECT_EQ(
      out, (Pairs{{"q", "red shoes"}, {"limit", "20"}, {"q", "x&y"}, {"flag", ""}, {"empty", ""}}));
  ASSERT_TRUE(ParseQueryString("", &out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(ParseQueryString("&&a=1&", &out));
  EXPECT_EQ(out, (Pairs{{"a", "1"}}));
  ASSERT_TRUE(ParseQueryString("f=a=b", &out));
  EXPECT_EQ(out, (Pairs{{"f", "a=b"}}));
}

TEST(ParseQueryString, RejectsMalformedEscapesInKeysAndValues) {
  Pairs out;
  EXPECT_FALSE(ParseQueryString("q=%zz", &out));
  EXPECT_FALSE(ParseQueryString("%4=1", &out));
  EXPECT_FALSE(ParseQueryString("a=1&b=%", &out));
}

TEST(TargetPath, StripsQueryFragmentAndAbsoluteForm) {
  EXPECT_EQ(TargetPath("/v1/search?q=phone"), "/v1/search");
  EXPECT_EQ(TargetPath("/a#frag"), "/a");
  EXPECT_EQ(TargetPath("/a%3Fb?c"), "/a%3Fb");
  EXPECT_EQ(TargetPath("http://host:80/x/y?z"), "/x/y");
  EXPECT_EQ(TargetPath("HTTPS://host"), "/");
  EXPECT_EQ(TargetPath("*"), "*");
  EXPECT_EQ(TargetPath(""), "");
}

TEST(Request, AccessorsReturnFirstValueOrEmpty) {
  Request request;
  request.headers = {
      {"content-type", "Application/JSON; charset=utf-8"}, {"x-a", "1"}, {"x-a", "2"}};
  request.query = {{"q", "phone"}, {"q", "tablet"}, {"empty", ""}};
  request.path_params = {{"id", "p1"}};
  EXPECT_EQ(request.Header("x-a"), "1");
  EXPECT_EQ(request.Header("missing"), "");
  EXPECT_EQ(request.Query("q"), "phone");
  EXPECT_TRUE(request.HasQuery("empty"));
  EXPECT_EQ(request.Query("empty"), "");
  EXPECT_FALSE(request.HasQuery("nope"));
  EXPECT_EQ(request.PathParam("id"), "p1");
  EXPECT_EQ(request.PathParam("sku"), "");
  EXPECT_EQ(request.ContentType(), "application/json");
}

TEST(Request, ContentTypeTrimsAndIsEmptyWhenAbsent) {
  Request request;
  EXPECT_EQ(request.ContentType(), "");
  request.headers = {{"content-type", "  application/x-ndjson  "}};
  EXPECT_EQ(request.ContentType(), "application/x-ndjson");
}

}  // namespace
}  // namespace aisle::server
