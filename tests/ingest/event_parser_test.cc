#include "ingest/event_parser.h"

#include <gtest/gtest.h>

#include "proto/aisle.pb.h"

namespace aisle::ingest {
namespace {

constexpr int64_t kNow = 1'750'000'000'000;

ParsedEvents MustParse(std::string_view body, Format format = Format::kJson) {
  auto parsed = ParseEvents(body, format, kNow);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : ParsedEvents{};
}

TEST(ParseEvents, ReadsOneObjectWithEveryField) {
  auto parsed = MustParse(R"({"type":"cart_add","userId":"u1","sessionId":"s1",
      "productId":"p1","category":"Phones","timestamp":1749999999000,
      "metadata":{"brand":"Acme","price":19.5,"query":"phone"}})");
  ASSERT_EQ(parsed.events.size(), 1u);
  const Event& e = parsed.events[0];
  EXPECT_EQ(e.type, EventType::kCartAdd);
  EXPECT_EQ(e.user_id, "u1");
  EXPECT_EQ(e.session_id, "s1");
  EXPECT_EQ(e.product_id, "p1");
  EXPECT_EQ(e.category, "Phones");
  EXPECT_EQ(e.timestamp_ms, 1749999999000);
  EXPECT_EQ(e.metadata.brand, "Acme");
  EXPECT_EQ(e.metadata.price, 19.5);
  EXPECT_EQ(e.metadata.query, "phone");
}

TEST(ParseEvents, MissingTimestampMeansNow) {
  auto parsed = MustParse(R"([{"type":"view","userId":"u","sessionId":"s","productId":"p"}])");
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].timestamp_ms, kNow);
}

TEST(ParseEvents, RejectsBadEventsWithReasonAndKeepsTheRest) {
  auto parsed = MustParse(R"([
    {"type":"view","userId":"u","sessionId":"s","productId":"p"},
    {"type":"refund","userId":"u","sessionId":"s","productId":"p"},
    {"type":"view","sessionId":"s","productId":"p"},
    {"type":"view","userId":"u","sessionId":"s"},
    {"type":"view","userId":"u","sessionId":"s","productId":"p","timestamp":1850000000000},
    {"type":"view","userId":"u","sessionId":"s","productId":"p","colour":"red"},
    {"type":"view","userId":7,"sessionId":"s","productId":"p"},
    {"userId":"u","sessionId":"s","productId":"p"},
    {"type":"search","userId":"u","sessionId":"s","metadata":{"query":"tv"}},
    "not an object"
  ])");
  EXPECT_EQ(parsed.events.size(), 2u);
  ASSERT_EQ(parsed.rejected.size(), 8u);
  EXPECT_NE(parsed.rejected[0].reason.find("unknown event type"), std::string::npos);
  EXPECT_EQ(parsed.rejected[0].index, 1u);
  EXPECT_EQ(parsed.rejected[0].line, 3u);
  EXPECT_NE(parsed.rejected[1].reason.find("userId"), std::string::npos);
  EXPECT_NE(parsed.rejected[2].reason.find("productId"), std::string::npos);
  EXPECT_NE(parsed.rejected[3].reason.find("future"), std::string::npos);
  EXPECT_NE(parsed.rejected[4].reason.find("colour"), std::string::npos);
  EXPECT_NE(parsed.rejected[5].reason.find("userId"), std::string::npos);
  EXPECT_NE(parsed.rejected[6].reason.find("type"), std::string::npos);
  EXPECT_EQ(parsed.rejected[7].index, 9u);
  // Lines are counted incrementally from one event to the next.
  EXPECT_EQ(parsed.rejected[1].line, 4u);
  EXPECT_EQ(parsed.rejected[4].line, 7u);
  EXPECT_EQ(parsed.rejected[7].line, 11u);
}

TEST(ParseEvents, NdjsonRejectsOnlyTheBadLine) {
  auto parsed = MustParse(
      "{\"type\":\"view\",\"userId\":\"u\",\"sessionId\":\"s\",\"productId\":\"p\"}\n"
      "{broken\n"
      "\n"
      "{\"type\":\"purchase\",\"userId\":\"u\",\"sessionId\":\"s\",\"productId\":\"p\"}\n",
      Format::kNdjson);
  EXPECT_EQ(parsed.events.size(), 2u);
  ASSERT_EQ(parsed.rejected.size(), 1u);
  EXPECT_EQ(parsed.rejected[0].line, 2u);
}

TEST(ParseEvents, ProtobufBatchMapsTypesAndRejectsUnspecified) {
  pb::EventBatch batch;
  auto* e = batch.add_events();
  e->set_type(pb::WISHLIST_ADD);
  e->set_user_id("u");
  e->set_session_id("s");
  e->set_product_id("p");
  e->mutable_metadata()->set_price(3);
  auto* bad = batch.add_events();
  bad->set_user_id("u");
  auto parsed = MustParse(batch.SerializeAsString(), Format::kProtobuf);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].type, EventType::kWishlistAdd);
  EXPECT_EQ(parsed.events[0].metadata.price, 3.0);
  ASSERT_EQ(parsed.rejected.size(), 1u);
  EXPECT_FALSE(ParseEvents("\xFF\xFF", Format::kProtobuf, kNow).ok());
}

TEST(ParseEvents, WholeBodyErrors) {
  EXPECT_FALSE(ParseEvents("[{\"type\":", Format::kJson, kNow).ok());
  EXPECT_FALSE(ParseEvents("42", Format::kJson, kNow).ok());
  EXPECT_FALSE(ParseEvents("[] trailing", Format::kJson, kNow).ok());
  EXPECT_FALSE(ParseEvents("[\"\xFF\"]", Format::kJson, kNow).ok());
  EventLimits limits;
  limits.max_events = 2;
  std::string many = "[";
  for (int i = 0; i < 3; ++i) {
    many += std::string(i ? "," : "") +
            R"({"type":"view","userId":"u","sessionId":"s","productId":"p"})";
  }
  many += "]";
  EXPECT_FALSE(ParseEvents(many, Format::kJson, kNow, limits).ok());
}

TEST(ValidateEvent, TimestampWindowIsInclusiveAtItsEdges) {
  Event e{.type = EventType::kView, .user_id = "u", .session_id = "s", .product_id = "p"};
  EventLimits limits;
  e.timestamp_ms = kNow + limits.max_future_skew_ms;
  EXPECT_TRUE(ValidateEvent(e, kNow, limits).ok());
  e.timestamp_ms += 1;
  EXPECT_FALSE(ValidateEvent(e, kNow, limits).ok());
  e.timestamp_ms = kNow - limits.max_age_ms;
  EXPECT_TRUE(ValidateEvent(e, kNow, limits).ok());
  e.timestamp_ms -= 1;
  EXPECT_FALSE(ValidateEvent(e, kNow, limits).ok());
}

}  // namespace
}  // namespace aisle::ingest
