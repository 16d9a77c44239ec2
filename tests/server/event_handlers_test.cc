// Behaviour events over HTTP: valid ones are stored durably and move the
// product's live demand; bad ones are refused with a reason and not stored.
#include "server/event_handlers.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "proto/aisle.pb.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class EventRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    ASSERT_EQ(Call("POST", "/v1/products",
                   R"([{"id":"p1","title":"Trail Shoe","categories":["Shoes"],"price":80},
                       {"id":"p2","title":"Road Shoe","categories":["Shoes"],"price":90}])")
                  .status,
              200);
  }
  int64_t Stored(store::EventCountQuery query) {
    auto n = store_->events()->CountEvents(query);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }
  double Demand(const std::string& id) {
    double d = -1;
    JsonBody body(Call("GET", "/v1/products/" + id + "/signals").body);
    EXPECT_FALSE(body["/demand"].get_double().get(d));
    return d;
  }
};

TEST_F(EventRoutes, AcceptedEventsAreStoredAndRaiseDemand) {
  EXPECT_EQ(Demand("p1"), 0.0);
  std::string body = "[";
  for (int i = 0; i < 10; ++i) {
    absl::StrAppend(&body, i ? "," : "",
                    R"({"type":"purchase","userId":"u1","sessionId":"s1","productId":"p1",)",
                    R"("category":"Shoes"})");
  }
  body += "]";
  auto r = Call("POST", "/v1/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/accepted"), 10u);
  EXPECT_EQ(Stored({}), 10);
  EXPECT_GT(Demand("p1"), 0.0);
  EXPECT_EQ(Demand("p2"), 0.0);
}

TEST_F(EventRoutes, SingleObjectNdjsonAndProtobufBodies) {
  ASSERT_EQ(
      Call("POST", "/v1/events", R"({"type":"view","userId":"u","sessionId":"s","productId":"p2"})")
          .status,
      200);
  ASSERT_EQ(Call("POST", "/v1/events",
                 "{\"type\":\"click\",\"userId\":\"u\",\"sessionId\":\"s\",\"productId\":\"p2\"}\n",
                 "application/x-ndjson")
                .status,
            200);
  pb::EventBatch batch;
  auto* e = batch.add_events();
  e->set_type(pb::SEARCH);
  e->set_user_id("u");
  e->set_session_id("s");
  e->mutable_metadata()->set_query("shoe");
  ASSERT_EQ(Call("POST", "/v1/events", batch.SerializeAsString(), "application/x-protobuf").status,
            200);
  EXPECT_EQ(Stored({}), 3);
}

TEST_F(EventRoutes, BadEventsAreRefusedAndNotStored) {
  const std::string future = std::to_string(clock_.NowMillis() + 3600 * 1000);
  const std::string bodies[] = {
      R"({"type":"refund","userId":"u","sessionId":"s","productId":"p1"})",
      R"({"type":"view","sessionId":"s","productId":"p1"})",
      R"({"type":"view","userId":"u","productId":"p1"})",
      R"({"type":"view","userId":"u","sessionId":"s"})",
      R"({"type":"view","userId":"u","sessionId":"s","productId":"p1","timestamp":)" + future + "}",
      R"({"type":"view","userId":"u","sessionId":"s","productId":"p1","extra":1})",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    auto r = Call("POST", "/v1/events", body);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), "all_events_rejected");
  }
  EXPECT_EQ(Call("POST", "/v1/events", "[{\"type\":").status, 400);
  EXPECT_EQ(Call("POST", "/v1/events", "x", "text/plain").status, 400);
  // A mixed batch: the good one is stored, the bad one reported.
  auto r = Call("POST", "/v1/events",
                R"([{"type":"view","userId":"u","sessionId":"s","productId":"p1"},
                    {"type":"view","userId":"u","sessionId":"s"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/rejected/0/index"), 1u);
  EXPECT_EQ(Stored({}), 1);
}

}  // namespace
}  // namespace aisle::server
