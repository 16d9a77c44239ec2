#include "ingest/product_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "proto/aisle.pb.h"
#include "proto/product_codec.h"

namespace aisle::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;

ParsedProducts MustParse(std::string_view body, Format format = Format::kJson,
                         const ValidationLimits& limits = {}) {
  auto parsed = ParseProducts(body, format, limits);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : ParsedProducts{};
}

// The one rejection of a body holding a single bad document.
Rejection OnlyRejection(std::string_view body, Format format = Format::kJson,
                        const ValidationLimits& limits = {}) {
  ParsedProducts parsed = MustParse(body, format, limits);
  EXPECT_THAT(parsed.products, IsEmpty());
  EXPECT_THAT(parsed.rejected, SizeIs(1));
  return parsed.rejected.empty() ? Rejection{} : parsed.rejected[0];
}

TEST(ParseProductsJson, ReadsEveryField) {
  const ParsedProducts parsed = MustParse(R"([{
    "id": "sku-1", "title": "Cast Iron Pan", "description": "Heavy.", "brand": "Lodge",
    "categories": ["Home", "Cookware", "Pans"], "attributes": {"color": "black"},
    "price": 29.5, "cost": 12, "currency": "USD", "imageUrl": "https://x/1.jpg",
    "rating": 4.5, "popularity": 120, "createdAt": 1700000000, "tags": ["sale", "new"]
  }])");
  ASSERT_THAT(parsed.products, SizeIs(1));
  const Product& p = parsed.products[0];
  EXPECT_EQ(p.id, "sku-1");
  EXPECT_EQ(p.title, "Cast Iron Pan");
  EXPECT_EQ(p.description, "Heavy.");
  EXPECT_EQ(p.brand, "Lodge");
  EXPECT_THAT(p.categories, ElementsAre("Home", "Cookware", "Pans"));
  EXPECT_THAT(p.attributes, ElementsAre(Pair("color", "black")));
  EXPECT_DOUBLE_EQ(p.price, 29.5);
  EXPECT_DOUBLE_EQ(p.cost, 12);
  EXPECT_EQ(p.currency, "USD");
  EXPECT_EQ(p.image_url, "https://x/1.jpg");
  EXPECT_DOUBLE_EQ(p.rating, 4.5);
  EXPECT_DOUBLE_EQ(p.popularity, 120);
  EXPECT_EQ(p.created_at, 1700000000);
  EXPECT_THAT(p.tags, ElementsAre("sale", "new"));
  EXPECT_THAT(parsed.rejected, IsEmpty());
  EXPECT_THAT(parsed.delete_ids, IsEmpty());
}

TEST(ParseProductsJson, ReadsHiddenWhenTrueOrFalseAndDefaultsToVisible) {
  const ParsedProducts parsed = MustParse(R"([
    {"id": "a", "title": "A", "hidden": true},
    {"id": "b", "title": "B", "hidden": false},
    {"id": "c", "title": "C"},
    {"id": "d", "title": "D", "hidden": null}
  ])");
  ASSERT_THAT(parsed.products, SizeIs(4));
  EXPECT_TRUE(parsed.products[0].hidden);
  EXPECT_FALSE(parsed.products[1].hidden);
  EXPECT_FALSE(parsed.products[2].hidden);
  EXPECT_FALSE(parsed.products[3].hidden);
  const ParsedProducts ndjson = MustParse(
      "{\"id\": \"a\", \"title\": \"A\", \"hidden\": true}\n{\"id\": \"b\", \"title\": \"B\"}\n",
      Format::kNdjson);
  ASSERT_THAT(ndjson.products, SizeIs(2));
  EXPECT_TRUE(ndjson.products[0].hidden);
  EXPECT_FALSE(ndjson.products[1].hidden);
}

TEST(ParseProductsJson, IntegerIdsBecomeDecimalText) {
  const ParsedProducts parsed = MustParse(
      R"([{"id": 42, "title": "a"}, {"id": -7, "title": "b"},
          {"id": 18446744073709551615, "title": "c"}, {"id": "x\u0031", "title": "d"}])");
  ASSERT_THAT(parsed.products, SizeIs(4));
  EXPECT_EQ(parsed.products[0].id, "42");
  EXPECT_EQ(parsed.products[1].id, "-7");
  EXPECT_EQ(parsed.products[2].id, "18446744073709551615");
  EXPECT_EQ(parsed.products[3].id, "x1");
}

TEST(ParseProductsJson, CategoryPathStringIsSplitOnArrows) {
  const ParsedProducts parsed =
      MustParse(R"([{"id": "a", "title": "t", "categories": " Home >  Kitchen > Tea Pots "}])");
  ASSERT_THAT(parsed.products, SizeIs(1));
  EXPECT_THAT(parsed.products[0].categories, ElementsAre("Home", "Kitchen", "Tea Pots"));
}

TEST(ParseProductsJson, AttributeNumbersAndBooleansKeepTheirJsonText) {
  const ParsedProducts parsed = MustParse(R"([{"id": "a", "title": "t", "attributes":
      {"storage": 256, "ratio": 1.5e3, "wifi": true, "gone": null, "name": "x", "name": "y"}}])");
  ASSERT_THAT(parsed.products, SizeIs(1));
  EXPECT_THAT(parsed.products[0].attributes,
              ElementsAre(Pair("name", "y"), Pair("ratio", "1.5e3"), Pair("storage", "256"),
                          Pair("wifi", "true")));
}

TEST(ParseProductsJson, CreatedAtAcceptsIsoDatesAndDateTimes) {
  const ParsedProducts parsed = MustParse(R"([
    {"id": "a", "title": "t", "createdAt": "2024-01-15"},
    {"id": "b", "title": "t", "createdAt": "2024-01-15T10:30:00Z"},
    {"id": "c", "title": "t", "createdAt": "2024-01-15T12:30:00+02:00"},
    {"id": "d", "title": "t", "createdAt": "2024-01-15T10:30:00.250Z"},
    {"id": "e", "title": "t", "createdAt": "2024-02-30"},
    {"id": "f", "title": "t", "createdAt": -86400}])");
  ASSERT_THAT(parsed.products, SizeIs(5));
  EXPECT_EQ(parsed.products[0].created_at, 1705276800);
  EXPECT_EQ(parsed.products[1].created_at, 1705276800 + 37800);
  EXPECT_EQ(parsed.products[2].created_at, 1705276800 + 37800);
  EXPECT_EQ(parsed.products[3].created_at, 1705276800 + 37800);
  EXPECT_EQ(parsed.products[4].created_at, -86400);
  ASSERT_THAT(parsed.rejected, SizeIs(1));
  EXPECT_EQ(parsed.rejected[0].id, "e");
  EXPECT_THAT(parsed.rejected[0].reason, StartsWith("createdAt: "));
}

TEST(ParseProductsJson, NullMeansAbsentAndUnknownFieldsAreIgnored) {
  const ParsedProducts parsed = MustParse(R"([{"id": "a", "title": "t", "brand": null,
      "price": null, "extra": {"deep": [1, 2, {"x": "y"}]}, "sku": 5, "tags": null}])");
  ASSERT_THAT(parsed.products, SizeIs(1));
  EXPECT_EQ(parsed.products[0].brand, "");
  EXPECT_EQ(parsed.products[0].price, 0);
  EXPECT_THAT(parsed.products[0].tags, IsEmpty());
}

struct WrongType {
  const char* field_json;  // `"name": value` spliced into a valid document.
  const char* reason_prefix;
};

void PrintTo(const WrongType& wrong, std::ostream* out) { *out << wrong.field_json; }

class ParseProductsWrongType : public ::testing::TestWithParam<WrongType> {};

TEST_P(ParseProductsWrongType, RejectsTheDocumentNamingTheFieldAndParsesTheNext) {
  const std::string body = std::string(R"([{"id": "bad", "title": "t", )") + GetParam().field_json +
                           R"(}, {"id": "good", "title": "t"}])";
  const ParsedProducts parsed = MustParse(body);
  ASSERT_THAT(parsed.products, SizeIs(1));
  EXPECT_EQ(parsed.products[0].id, "good");
  ASSERT_THAT(parsed.rejected, SizeIs(1));
  EXPECT_EQ(parsed.rejected[0].id, "bad");
  EXPECT_EQ(parsed.rejected[0].index, 0u);
  EXPECT_THAT(parsed.rejected[0].reason, StartsWith(GetParam().reason_prefix));
}

INSTANTIATE_TEST_SUITE_P(
    EveryKnownField, ParseProductsWrongType,
    ::testing::Values(
        WrongType{R"("description": [1])", "description: expected a string"},
        WrongType{R"("brand": {"a": 1})", "brand: expected a string"},
        WrongType{R"("categories": 5)", "categories: expected"},
        WrongType{R"("categories": ["a", 1, "c"])", "categories: expected an array of strings"},
        WrongType{R"("attributes": ["a"])", "attributes: expected an object"},
        WrongType{R"("attributes": {"a": [1]})", "attributes: value of \"a\""},
        WrongType{R"("price": "19.99")", "price: expected a number"},
        WrongType{R"("price": NaN)", "price: expected a number"},
        WrongType{R"("price": 1e400)", "price: invalid or out-of-range number"},
        WrongType{R"("cost": true)", "cost: expected a number"},
        WrongType{R"("rating": "5")", "rating: expected a number"},
        WrongType{R"("popularity": [])", "popularity: expected a number"},
        WrongType{R"("currency": 840)", "currency: expected a string"},
        WrongType{R"("imageUrl": false)", "imageUrl: expected a string"},
        WrongType{R"("createdAt": 1.5)", "createdAt: expected integer Unix seconds"},
        WrongType{R"("createdAt": "yesterday")", "createdAt: expected integer Unix seconds"},
        WrongType{R"("tags": "sale")", "tags: expected an array of strings"},
        WrongType{R"("tags": [["x"]])", "tags: expected an array of strings"},
        WrongType{R"("hidden": "yes")", "hidden: expected true or false"},
        WrongType{R"("hidden": 1)", "hidden: expected true or false"},
        WrongType{R"("title": "\ud800")", "title: invalid JSON string"}));

TEST(ParseProductsJson, WrongIdTypeIsRejected) {
  const Rejection r = OnlyRejection(R"([{"id": 1.5, "title": "t"}])");
  EXPECT_THAT(r.reason, StartsWith("id: expected a string or an integer"));
  EXPECT_THAT(OnlyRejection(R"([{"id": true, "title": "t"}])").reason, StartsWith("id: "));
  EXPECT_THAT(OnlyRejection(R"([{"id": "a", "title": 5}])").reason,
              StartsWith("title: expected a string"));
}

TEST(ParseProductsJson, RejectionNamesTheIdEvenWhenItFollowsTheBadField) {
  const Rejection r = OnlyRejection(R"([{"price": "x", "title": "t", "id": "late-id"}])");
  EXPECT_EQ(r.id, "late-id");
  EXPECT_THAT(r.reason, StartsWith("price: "));
}

TEST(ParseProductsJson, RequiredFieldsAndRangesAreValidated) {
  EXPECT_EQ(OnlyRejection(R"([{"title": "t"}])").reason, "id: required");
  EXPECT_EQ(OnlyRejection(R"([{"id": "a"}])").reason, "title: required");
  EXPECT_EQ(OnlyRejection(R"([{"id": "a", "title": " \t "}])").reason, "title: must not be empty");
  EXPECT_EQ(OnlyRejection(R"([{"id": "a", "title": "t", "price": -0.01}])").reason,
            "price: must be >= 0");
  EXPECT_EQ(OnlyRejection(R"([{"id": "a", "title": "t", "cost": -1}])").reason,
            "cost: must be >= 0");
  EXPECT_THAT(OnlyRejection(R"([{"id": "a", "title": "t", "price": 1e13}])").reason,
              StartsWith("price: must be <= "));
  EXPECT_EQ(OnlyRejection(R"([{"id": "a", "title": "t", "rating": 5.1}])").reason,
            "rating: must be <= 5");
  EXPECT_EQ(OnlyRejection(R"([{"id": "a", "title": "t", "popularity": -3}])").reason,
            "popularity: must be >= 0");
  EXPECT_THAT(OnlyRejection(R"([{"id": "a", "title": "t", "currency": "usd"}])").reason,
              StartsWith("currency: "));
}

TEST(ParseProductsJson, IdsAreLimitedToUrlSafeCharacters) {
  EXPECT_THAT(OnlyRejection(R"([{"id": "a/b", "title": "t"}])").reason,
              HasSubstr("character at byte 1 is not allowed"));
  EXPECT_THAT(OnlyRejection(R"([{"id": "a b", "title": "t"}])").reason, StartsWith("id: "));
  EXPECT_THAT(OnlyRejection(R"([{"id": "a\u0001", "title": "t"}])").reason, StartsWith("id: "));
  EXPECT_THAT(OnlyRejection(R"([{"id": "..", "title": "t"}])").reason, StartsWith("id: "));
  EXPECT_THAT(OnlyRejection(R"([{"id": "", "title": "t"}])").reason, StartsWith("id: "));
  const std::string long_id(257, 'a');
  EXPECT_THAT(OnlyRejection(R"([{"id": ")" + long_id + R"(", "title": "t"}])").reason,
              StartsWith("id: longer than 256 bytes"));
  const ParsedProducts ok = MustParse(R"([{"id": "AZaz09._:-", "title": "t"}])");
  EXPECT_THAT(ok.products, SizeIs(1));
}

TEST(ParseProductsJson, LengthAndCountLimitsAreApplied) {
  ValidationLimits limits;
  limits.max_title_bytes = 5;
  limits.max_attributes = 2;
  limits.max_tags = 1;
  limits.max_category_levels = 2;
  limits.max_description_bytes = 3;
  EXPECT_EQ(OnlyRejection(R"([{"id": "a", "title": "toolong"}])", Format::kJson, limits).reason,
            "title: longer than 5 bytes (7 bytes)");
  EXPECT_THAT(
      OnlyRejection(R"([{"id": "a", "title": "t", "attributes": {"a":"1","b":"2","c":"3"}}])",
                    Format::kJson, limits)
          .reason,
      StartsWith("attributes: more than 2 attributes"));
  EXPECT_THAT(
      OnlyRejection(R"([{"id": "a", "title": "t", "tags": ["x", "y"]}])", Format::kJson, limits)
          .reason,
      StartsWith("tags: more than 1 entries"));
  EXPECT_THAT(OnlyRejection(R"([{"id": "a", "title": "t", "categories": "A > B > C"}])",
                            Format::kJson, limits)
                  .reason,
              StartsWith("categories: more than 2 entries"));
  EXPECT_THAT(
      OnlyRejection(R"([{"id": "a", "title": "t", "description": "four"}])", Format::kJson, limits)
          .reason,
      StartsWith("description: longer than 3 bytes"));
}

TEST(ParseProductsJson, NonObjectElementsAreRejected) {
  const ParsedProducts parsed = MustParse(R"([1, "x", {"id": "a", "title": "t"}, null])");
  EXPECT_THAT(parsed.products, SizeIs(1));
  ASSERT_THAT(parsed.rejected, SizeIs(3));
  EXPECT_EQ(parsed.rejected[0].reason, "expected a JSON object");
  EXPECT_EQ(parsed.rejected[2].index, 3u);
}

TEST(ParseProductsJson, RejectionsCarryTheLineWhereTheDocumentStarts) {
  const std::string body =
      "[\n"
      "  {\"id\": \"a\", \"title\": \"t\"},\n"                  // line 2
      "  {\"id\": \"b\",\n"                                     // line 3
      "   \"price\": -1, \"title\": \"t\"},\n"                  // line 4
      "  {\"id\": \"c\", \"title\": \"t\"}, {\"id\": \"d\"}\n"  // line 5
      "]";
  const ParsedProducts parsed = MustParse(body);
  EXPECT_THAT(parsed.products, SizeIs(2));
  ASSERT_THAT(parsed.rejected, SizeIs(2));
  EXPECT_EQ(parsed.rejected[0].id, "b");
  EXPECT_EQ(parsed.rejected[0].index, 1u);
  EXPECT_EQ(parsed.rejected[0].line, 3u);
  EXPECT_EQ(parsed.rejected[1].id, "d");
  EXPECT_EQ(parsed.rejected[1].index, 3u);
  EXPECT_EQ(parsed.rejected[1].line, 5u);
}

TEST(ParseProductsJson, DuplicatedIdsKeepTheLastDocument) {
  const ParsedProducts parsed = MustParse(R"([{"id": "a", "title": "first"},
      {"id": "b", "title": "b"}, {"id": "a", "title": "second"}, {"id": "a", "price": -1}])");
  ASSERT_THAT(parsed.products, SizeIs(2));
  EXPECT_EQ(parsed.products[0].id, "b");
  EXPECT_EQ(parsed.products[1].id, "a");
  EXPECT_EQ(parsed.products[1].title, "second");
  EXPECT_THAT(parsed.rejected, SizeIs(1));  // The invalid last "a" does not win.
}

TEST(ParseProductsJson, EmptyBodiesHaveNoProducts) {
  for (const char* body : {"", "  \n\t ", "[]", " [ ] \n"}) {
    const ParsedProducts parsed = MustParse(body);
    EXPECT_THAT(parsed.products, IsEmpty()) << body;
    EXPECT_THAT(parsed.rejected, IsEmpty()) << body;
  }
}

// The whole-body error of `body`, checked to be InvalidArgument on "body".
absl::Status BodyError(std::string_view body, Format format = Format::kJson,
                       const ValidationLimits& limits = {}) {
  auto parsed = ParseProducts(body, format, limits);
  EXPECT_FALSE(parsed.ok()) << body;
  if (parsed.ok()) return absl::OkStatus();
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(parsed.status()), "body");
  return parsed.status();
}

TEST(ParseProductsJson, SyntaxErrorsFailTheWholeBodyWithAPosition) {
  const std::string missing_comma = "[{\"id\": \"a\", \"title\": \"t\"}\n {\"id\": \"b\"}]";
  const absl::Status status = BodyError(missing_comma);
  EXPECT_THAT(std::string(status.message()), HasSubstr("invalid JSON"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 2"));
  EXPECT_EQ(ErrorPosition(status), 28u);

  const std::string truncated = R"([{"id": "a", "title": "t"}, {"id": "b")";
  EXPECT_EQ(ErrorPosition(BodyError(truncated)), truncated.size());
  EXPECT_TRUE(ErrorPosition(BodyError(R"([{"id": "a",, "title": "t"}])")).has_value());
  EXPECT_FALSE(BodyError(R"([{"id": "a", "title": "t"},])").ok());
  EXPECT_FALSE(BodyError("[{\"id\": \"a\" \"title\": \"t\"}]").ok());
}

TEST(ParseProductsJson, NonArrayBodiesAndTrailingContentAreWholeBodyErrors) {
  const absl::Status object = BodyError(R"(  {"id": "a", "title": "t"})");
  EXPECT_THAT(std::string(object.message()), HasSubstr("expected a JSON array"));
  EXPECT_EQ(ErrorPosition(object), 2u);
  EXPECT_FALSE(BodyError("42").ok());
  const absl::Status trailing = BodyError(R"([{"id": "a", "title": "t"}] [])");
  EXPECT_THAT(std::string(trailing.message()), HasSubstr("after the array"));
  EXPECT_EQ(ErrorPosition(trailing), 28u);
}

TEST(ParseProductsJson, InvalidUtf8FailsTheWholeBodyAtTheBadByte) {
  const std::string body =
      "[{\"id\": \"a\", \"title\": \"ok\"},\n{\"id\": \"b\", \"title\": \"x\xC3\"}]";
  const absl::Status status = BodyError(body);
  EXPECT_EQ(ErrorPosition(status), body.find('\xC3'));
  EXPECT_THAT(std::string(status.message()), HasSubstr("invalid UTF-8 at line 2"));
}

TEST(ParseProductsJson, MoreThanMaxDocumentsFailsTheBody) {
  ValidationLimits limits;
  limits.max_documents = 2;
  const std::string two = R"([{"id": "a", "title": "t"}, {"id": "b", "title": "t"}])";
  EXPECT_THAT(MustParse(two, Format::kJson, limits).products, SizeIs(2));
  const std::string three = R"([{"id": "a", "title": "t"}, 1, {"id": "c", "title": "t"}])";
  EXPECT_THAT(std::string(BodyError(three, Format::kJson, limits).message()),
              HasSubstr("more than 2 documents"));
}

TEST(ParseProductsNdjson, ParsesLinesAndSkipsBlankOnes) {
  const ParsedProducts parsed = MustParse(
      "{\"id\": \"a\", \"title\": \"t\"}\r\n\n  \n{\"id\": 2, \"title\": \"u\", \"price\": 3}",
      Format::kNdjson);
  ASSERT_THAT(parsed.products, SizeIs(2));
  EXPECT_EQ(parsed.products[1].id, "2");
  EXPECT_EQ(parsed.products[1].price, 3);
  EXPECT_THAT(parsed.rejected, IsEmpty());
  EXPECT_THAT(MustParse("", Format::kNdjson).products, IsEmpty());
  EXPECT_THAT(MustParse("\n\n", Format::kNdjson).products, IsEmpty());
}

TEST(ParseProductsNdjson, ABadLineIsRejectedWithItsLineAndTheOthersAreParsed) {
  const std::string body =
      "{\"id\": \"a\", \"title\": \"t\"}\n"
      "\n"
      "{\"id\": \"b\", \"title\": \"t\"\n"                     // line 3: unclosed
      "{\"id\": \"c\", \"title\": \"x\xFF\"}\n"                // line 4: invalid UTF-8
      "{\"id\": \"d\", \"title\": \"t\"} {\"id\": 1}\n"        // line 5: trailing content
      "[1]\n"                                                  // line 6: not an object
      "{\"id\": \"e\", \"title\": \"t\", \"price\": \"1\"}\n"  // line 7: wrong type
      "{\"id\": \"f\", \"title\": \"t\"}\n";
  const ParsedProducts parsed = MustParse(body, Format::kNdjson);
  ASSERT_THAT(parsed.products, SizeIs(2));
  EXPECT_EQ(parsed.products[0].id, "a");
  EXPECT_EQ(parsed.products[1].id, "f");
  ASSERT_THAT(parsed.rejected, SizeIs(5));
  EXPECT_EQ(parsed.rejected[0].line, 3u);
  EXPECT_EQ(parsed.rejected[0].index, 1u);
  EXPECT_THAT(parsed.rejected[0].reason, StartsWith("invalid JSON"));
  EXPECT_EQ(parsed.rejected[1].line, 4u);
  EXPECT_EQ(parsed.rejected[1].reason, "invalid UTF-8 at byte 23 of the line");
  EXPECT_EQ(parsed.rejected[2].line, 5u);
  EXPECT_EQ(parsed.rejected[2].id, "d");
  EXPECT_EQ(parsed.rejected[2].reason, "unexpected content after the object");
  EXPECT_EQ(parsed.rejected[3].line, 6u);
  EXPECT_EQ(parsed.rejected[3].reason, "expected a JSON object");
  EXPECT_EQ(parsed.rejected[4].line, 7u);
  EXPECT_EQ(parsed.rejected[4].id, "e");
  EXPECT_EQ(parsed.rejected[4].index, 5u);
}

TEST(ParseProductsNdjson, MoreThanMaxDocumentsFailsTheBody) {
  ValidationLimits limits;
  limits.max_documents = 1;
  const absl::Status status =
      BodyError("{\"id\": \"a\", \"title\": \"t\"}\n\n{\"id\": \"b\"}\n", Format::kNdjson, limits);
  EXPECT_EQ(ErrorPosition(status), 27u);
}

std::string Batch(const std::vector<Product>& products, const std::vector<std::string>& deletes) {
  pb::ProductBatch batch;
  for (const Product& p : products) proto::ToProto(p, batch.add_products());
  for (const std::string& id : deletes) batch.add_delete_ids(id);
  return batch.SerializeAsString();
}

Product Valid(std::string id) {
  Product p;
  p.id = std::move(id);
  p.title = "A title";
  p.categories = {"A", "B"};
  p.attributes = {{"color", "red"}};
  p.price = 9.99;
  return p;
}

TEST(ParseProductsProtobuf, ReadsProductsAndDeleteIds) {
  const ParsedProducts parsed =
      MustParse(Batch({Valid("a"), Valid("b")}, {"old-1", "old-2"}), Format::kProtobuf);
  ASSERT_THAT(parsed.products, SizeIs(2));
  EXPECT_EQ(parsed.products[0], Valid("a"));
  EXPECT_THAT(parsed.delete_ids, ElementsAre("old-1", "old-2"));
  EXPECT_THAT(parsed.rejected, IsEmpty());
  EXPECT_THAT(MustParse("", Format::kProtobuf).products, IsEmpty());
}

TEST(ParseProductsProtobuf, ReadsHiddenFromTheProtoField) {
  Product hidden = Valid("h");
  hidden.hidden = true;
  const ParsedProducts parsed = MustParse(Batch({hidden, Valid("v")}, {}), Format::kProtobuf);
  ASSERT_THAT(parsed.products, SizeIs(2));
  EXPECT_TRUE(parsed.products[0].hidden);
  EXPECT_EQ(parsed.products[0], hidden);
  EXPECT_FALSE(parsed.products[1].hidden);
}

TEST(ParseProductsProtobuf, InvalidProductsAndDeleteIdsAreRejected) {
  Product bad = Valid("bad");
  bad.price = -1;
  const ParsedProducts parsed =
      MustParse(Batch({Valid("a"), bad}, {"ok", "no/slash"}), Format::kProtobuf);
  EXPECT_THAT(parsed.products, SizeIs(1));
  EXPECT_THAT(parsed.delete_ids, ElementsAre("ok"));
  ASSERT_THAT(parsed.rejected, SizeIs(2));
  EXPECT_EQ(parsed.rejected[0].index, 1u);
  EXPECT_EQ(parsed.rejected[0].line, 0u);
  EXPECT_EQ(parsed.rejected[0].id, "bad");
  EXPECT_EQ(parsed.rejected[0].reason, "price: must be >= 0");
  EXPECT_EQ(parsed.rejected[1].index, 3u);
  EXPECT_THAT(parsed.rejected[1].reason, StartsWith("delete_ids[1]: id: "));
}

TEST(ParseProductsProtobuf, GarbageAndTooManyDocumentsFailTheBody) {
  EXPECT_THAT(std::string(BodyError("\xFF\xFF\xFF\xFF garbage", Format::kProtobuf).message()),
              HasSubstr("not a valid aisle.pb.ProductBatch"));
  const std::string whole = Batch({Valid("a")}, {});
  EXPECT_FALSE(BodyError(whole.substr(0, whole.size() - 3), Format::kProtobuf).ok());  // Truncated.
  ValidationLimits limits;
  limits.max_documents = 2;
  EXPECT_FALSE(BodyError(Batch({Valid("a"), Valid("b")}, {"c"}), Format::kProtobuf, limits).ok());
}

TEST(ParseProductsProtobuf, InvalidUtf8InAStringIsNotAccepted) {
  Product p = Valid("a");
  p.title = "bad \xC3";
  auto parsed = ParseProducts(Batch({p}, {}), Format::kProtobuf);
  // proto3 parsing refuses non-UTF-8 strings, failing the body.
  EXPECT_FALSE(parsed.ok());
}

TEST(ValidateProduct, ReportsTheFieldAndByteOffsetOfInvalidUtf8) {
  Product p = Valid("a");
  p.description = "caf\xC3\xA9 \xE2\x82";
  const absl::Status status = ValidateProduct(p);
  EXPECT_EQ(status.message(), "description: invalid UTF-8 at byte 6");
  EXPECT_EQ(ErrorField(status), "description");
  p = Valid("a");
  p.attributes["size"] = "\xFF";
  EXPECT_EQ(ValidateProduct(p).message(), "attributes[\"size\"]: invalid UTF-8 at byte 0");
  p = Valid("a");
  p.tags = {"ok", ""};
  EXPECT_EQ(ValidateProduct(p).message(), "tags[1]: must not be empty");
  p = Valid("a");
  p.categories = {"A", "\xC0"};
  EXPECT_EQ(ValidateProduct(p).message(), "categories[1]: invalid UTF-8 at byte 0");
  p = Valid("a");
  p.rating = std::nan("");
  EXPECT_EQ(ValidateProduct(p).message(), "rating: must be a finite number");
  EXPECT_TRUE(ValidateProduct(Valid("a")).ok());
  EXPECT_TRUE(ValidateProductId("p0000001").ok());
  EXPECT_FALSE(ValidateProductId("p 1").ok());
}

TEST(ParseProductPatchJson, SetsOnlyTheGivenFields) {
  auto patch = ParseProductPatch(
      R"({"title": "New", "price": 5, "categories": "A > B", "attributes": {"size": 9},
          "createdAt": "2024-01-15", "tags": []})",
      Format::kJson);
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_EQ(patch->title, "New");
  EXPECT_EQ(patch->price, 5);
  EXPECT_EQ(patch->categories, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(patch->attributes, (std::map<std::string, std::string>{{"size", "9"}}));
  EXPECT_EQ(patch->created_at, 1705276800);
  EXPECT_EQ(patch->tags, std::vector<std::string>{});
  EXPECT_FALSE(patch->description.has_value());
  EXPECT_FALSE(patch->cost.has_value());
  EXPECT_FALSE(patch->rating.has_value());
}

TEST(ParseProductPatchJson, NullResetsAFieldButNotTheTitle) {
  auto patch = ParseProductPatch(R"({"description": null, "price": null})", Format::kJson);
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_EQ(patch->description, "");
  EXPECT_EQ(patch->price, 0);
  auto title = ParseProductPatch(R"({"title": null})", Format::kJson);
  EXPECT_EQ(title.status().message(), "title: cannot be null");
  EXPECT_EQ(ErrorField(title.status()), "title");
}

TEST(ParseProductPatchJson, SetsHiddenWhenTrueOrFalse) {
  auto hide = ParseProductPatch(R"({"hidden": true})", Format::kJson);
  ASSERT_TRUE(hide.ok()) << hide.status();
  EXPECT_EQ(hide->hidden, true);
  EXPECT_FALSE(hide->empty());
  auto show = ParseProductPatch(R"({"hidden": false})", Format::kJson);
  ASSERT_TRUE(show.ok()) << show.status();
  EXPECT_EQ(show->hidden, false);
  auto untouched = ParseProductPatch(R"({"title": "t"})", Format::kJson);
  ASSERT_TRUE(untouched.ok()) << untouched.status();
  EXPECT_FALSE(untouched->hidden.has_value());
}

TEST(ParseProductPatchJson, EmptyObjectIsAnEmptyPatch) {
  auto patch = ParseProductPatch(" {} ", Format::kJson);
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_TRUE(patch->empty());
}

// The error field of a patch body that must fail.
std::optional<std::string> PatchErrorField(std::string_view body, Format format = Format::kJson) {
  auto patch = ParseProductPatch(body, format);
  EXPECT_FALSE(patch.ok()) << body;
  if (patch.ok()) return std::nullopt;
  EXPECT_EQ(patch.status().code(), absl::StatusCode::kInvalidArgument);
  return ErrorField(patch.status());
}

TEST(ParseProductPatchJson, RejectsIdUnknownFieldsWrongTypesAndInvalidValues) {
  EXPECT_EQ(PatchErrorField(R"({"id": "x", "title": "t"})"), "id");
  EXPECT_EQ(PatchErrorField(R"({"title": "t", "colour": "red"})"), "colour");
  EXPECT_EQ(PatchErrorField(R"({"price": "12"})"), "price");
  EXPECT_EQ(PatchErrorField(R"({"price": -1})"), "price");
  EXPECT_EQ(PatchErrorField(R"({"title": "  "})"), "title");
  EXPECT_EQ(PatchErrorField(R"({"rating": 9})"), "rating");
  EXPECT_EQ(PatchErrorField(R"({"tags": ["a", 1]})"), "tags");
  EXPECT_EQ(PatchErrorField(R"({"currency": "dollars"})"), "currency");
}

TEST(ParseProductPatchJson, RejectsHiddenWhenNotABoolean) {
  auto patch = ParseProductPatch(R"({"hidden": "yes"})", Format::kJson);
  ASSERT_FALSE(patch.ok());
  EXPECT_EQ(patch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(patch.status()), "hidden");
  EXPECT_THAT(std::string(patch.status().message()), StartsWith("hidden:"));
  EXPECT_EQ(PatchErrorField(R"({"hidden": 0})"), "hidden");
  EXPECT_EQ(PatchErrorField(R"({"hidden": [true]})"), "hidden");
}

TEST(ParseProductPatchJson, MalformedBodiesAreBodyErrors) {
  EXPECT_EQ(PatchErrorField(R"([{"title": "t"}])"), "body");
  EXPECT_EQ(PatchErrorField(""), "body");
  EXPECT_EQ(PatchErrorField(R"({"title": "t")"), "body");
  EXPECT_EQ(PatchErrorField(R"({"title": "t"} {})"), "body");
  EXPECT_EQ(PatchErrorField("{\"title\": \"\xFF\"}"), "body");
  EXPECT_EQ(PatchErrorField(R"({"title": "t"})", Format::kNdjson), "body");
}

TEST(ParseProductPatchProtobuf, ReadsThePresentFields) {
  pb::ProductPatch message;
  message.set_title("New");
  message.set_price(0);
  message.mutable_tags()->add_values("sale");
  auto patch = ParseProductPatch(message.SerializeAsString(), Format::kProtobuf);
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_EQ(patch->title, "New");
  EXPECT_EQ(patch->price, 0);
  EXPECT_EQ(patch->tags, std::vector<std::string>{"sale"});
  EXPECT_FALSE(patch->brand.has_value());
}

TEST(ParseProductPatchProtobuf, ReadsHiddenOnlyWhenPresent) {
  pb::ProductPatch hide;
  hide.set_hidden(true);
  auto patch = ParseProductPatch(hide.SerializeAsString(), Format::kProtobuf);
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_EQ(patch->hidden, true);
  pb::ProductPatch show;
  show.set_hidden(false);  // Present (proto3 optional) even though false.
  patch = ParseProductPatch(show.SerializeAsString(), Format::kProtobuf);
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_EQ(patch->hidden, false);
  patch = ParseProductPatch(pb::ProductPatch().SerializeAsString(), Format::kProtobuf);
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_FALSE(patch->hidden.has_value());
}

TEST(ParseProductPatchProtobuf, RejectsIdStockGarbageAndInvalidValues) {
  pb::ProductPatch with_id;
  with_id.set_id("x");
  EXPECT_EQ(PatchErrorField(with_id.SerializeAsString(), Format::kProtobuf), "id");
  pb::ProductPatch with_stock;
  with_stock.set_stock(3);
  EXPECT_EQ(PatchErrorField(with_stock.SerializeAsString(), Format::kProtobuf), "stock");
  pb::ProductPatch negative;
  negative.set_cost(-2);
  EXPECT_EQ(PatchErrorField(negative.SerializeAsString(), Format::kProtobuf), "cost");
  EXPECT_EQ(PatchErrorField("\x0A\xFF\xFF", Format::kProtobuf), "body");
}

}  // namespace
}  // namespace aisle::ingest
