// The catalog routes end to end: real HTTP on loopback, real index on disk.
#include "server/catalog_handlers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "proto/aisle.pb.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

constexpr const char* kProducts = R"([
  {"id": "p1", "title": "Galaxy Phone 128GB", "brand": "Samsung",
   "categories": ["Electronics", "Phones"], "price": 499.0, "rating": 4.5,
   "attributes": {"color": "black"}, "createdAt": 1700000100},
  {"id": "p2", "title": "Pixel Phone", "brand": "Google",
   "categories": ["Electronics", "Phones"], "price": 599.0, "rating": 4.7,
   "attributes": {"color": "white"}, "createdAt": 1700000200},
  {"id": "p3", "title": "Phone Case", "brand": "Samsung",
   "categories": ["Electronics", "Accessories"], "price": 19.0, "rating": 3.9,
   "createdAt": 1700000300},
  {"id": "p4", "title": "Green Tea", "brand": "Twinings", "description": "a calming tea",
   "categories": ["Grocery", "Tea"], "price": 4.5, "rating": 4.1, "createdAt": 1700000400}
])";

class CatalogRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    auto r = Call("POST", "/v1/products", kProducts);
    ASSERT_EQ(r.status, 200) << r.body;
  }
};

TEST_F(CatalogRoutes, IngestedProductsAreReadableAndSearchable) {
  auto r = Call("GET", "/v1/products/p2");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody product(r.body);
  EXPECT_EQ(product.String("/title"), "Pixel Phone");
  EXPECT_EQ(product.String("/attributes/color"), "white");

  r = Call("GET", "/v1/search?q=phone&limit=10");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody search(r.body);
  EXPECT_EQ(search.Size("/hits"), 3u);
  EXPECT_EQ(search.String("/query"), "phone");
  EXPECT_EQ(search.Uint("/limit"), 10u);
  EXPECT_EQ(search.Uint("/offset"), 0u);
  EXPECT_EQ(search.Uint("/estimatedTotalHits"), 3u);
}

TEST_F(CatalogRoutes, SearchBodyAppliesFilterSortFacetsAndPages) {
  auto r = Call("POST", "/v1/search",
                R"({"q": "phone", "filter": [["brand = Samsung", "brand = Google"], "price > 100"],
                    "sort": ["price:desc"], "facets": ["brand", "price"],
                    "hitsPerPage": 1, "page": 2})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  EXPECT_EQ(body.Uint("/totalHits"), 2u);
  EXPECT_EQ(body.Uint("/totalPages"), 2u);
  EXPECT_EQ(body.Uint("/page"), 2u);
  ASSERT_EQ(body.Size("/hits"), 1u);
  EXPECT_EQ(body.String("/hits/0/id"), "p1");  // 599 first, then 499.
  EXPECT_EQ(body.Uint("/facetDistribution/brand/Samsung"), 1u);
  EXPECT_EQ(body.Uint("/facetDistribution/brand/Google"), 1u);
  double min = 0, max = 0;
  ASSERT_FALSE(body["/facetStats/price/min"].get_double().get(min));
  ASSERT_FALSE(body["/facetStats/price/max"].get_double().get(max));
  EXPECT_EQ(min, 499.0);
  EXPECT_EQ(max, 599.0);
}

TEST_F(CatalogRoutes, AttributesToRetrieveLimitsHitFieldsAndCostStaysPrivate) {
  auto r = Call("POST", "/v1/search", R"({"q": "tea", "attributesToRetrieve": ["title"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  EXPECT_EQ(body.String("/hits/0/id"), "p4");
  EXPECT_EQ(body.String("/hits/0/title"), "Green Tea");
  EXPECT_EQ(body.String("/hits/0/brand"), "<missing>");
  r = Call("GET", "/v1/search?q=tea");
  EXPECT_EQ(r.body.find("\"cost\""), std::string::npos) << r.body;
}

TEST_F(CatalogRoutes, NdjsonRejectsBadLinesAndAppliesTheRest) {
  const std::string body =
      "{\"id\": \"n1\", \"title\": \"Oolong Tea\", \"price\": 3}\n"
      "{\"id\": \"n2\", \"price\": 3}\n"                        // Line 2: no title.
      "{\"id\": \"n3\", \"title\": \"Chai\", \"price\": -1}\n"  // Line 3: negative price.
      "{not json}\n"                                            // Line 4: malformed.
      "{\"id\": \"n5\", \"title\": \"Black Tea\", \"price\": 2}\n";
  auto r = Call("POST", "/v1/products", body, "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody result(r.body);
  EXPECT_EQ(result.Uint("/indexed"), 2u);
  ASSERT_EQ(result.Size("/rejected"), 3u);
  EXPECT_EQ(result.Uint("/rejected/0/line"), 2u);
  EXPECT_EQ(result.Uint("/rejected/1/line"), 3u);
  EXPECT_EQ(result.Uint("/rejected/2/line"), 4u);
  EXPECT_EQ(Call("GET", "/v1/products/n5").status, 200);
  EXPECT_EQ(Call("GET", "/v1/products/n2").status, 404);
}

TEST_F(CatalogRoutes, ProtobufBatchUpsertsAndDeletes) {
  pb::ProductBatch batch;
  auto* p = batch.add_products();
  p->set_id("pb1");
  p->set_title("Protobuf Kettle");
  p->set_price(30);
  batch.add_delete_ids("p3");
  auto r = Call("POST", "/v1/products", batch.SerializeAsString(), "application/x-protobuf");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody result(r.body);
  EXPECT_EQ(result.Uint("/indexed"), 1u);
  EXPECT_EQ(result.Uint("/deleted"), 1u);
  EXPECT_EQ(Call("GET", "/v1/products/pb1").status, 200);
  EXPECT_EQ(Call("GET", "/v1/products/p3").status, 404);
}

TEST_F(CatalogRoutes, PatchChangesOnlyGivenFieldsAndIsSearchable) {
  auto r = Call("PATCH", "/v1/products/p4", R"({"title": "Jasmine Green Tea", "price": 5.25})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody product(r.body);
  EXPECT_EQ(product.String("/brand"), "Twinings");
  r = Call("GET", "/v1/search?q=jasmine");
  JsonBody search(r.body);
  EXPECT_EQ(search.String("/hits/0/id"), "p4");
  r = Call("GET", "/v1/search?q=tea&filter=price%20%3D%205.25");
  EXPECT_EQ(JsonBody(r.body).Size("/hits"), 1u) << r.body;
}

bool BoolAt(const JsonBody& body, const char* pointer) {
  bool value = false;
  EXPECT_EQ(body[pointer].get_bool().get(value), simdjson::SUCCESS) << pointer;
  return value;
}

TEST_F(CatalogRoutes, HiddenProductIsReadableByIdButNeverSearchedOrCounted) {
  auto r = Call("PATCH", "/v1/products/p1", R"({"hidden": true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(BoolAt(JsonBody(r.body), "/hidden"));
  r = Call("GET", "/v1/products/p1");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody product(r.body);
  EXPECT_TRUE(BoolAt(product, "/hidden"));
  EXPECT_EQ(product.String("/title"), "Galaxy Phone 128GB");
  EXPECT_FALSE(BoolAt(JsonBody(Call("GET", "/v1/products/p2").body), "/hidden"));

  r = Call("GET", "/v1/search?q=galaxy");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Size("/hits"), 0u) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/estimatedTotalHits"), 0u) << r.body;
  r = Call("GET", "/v1/search?q=phone&limit=10");
  JsonBody phones(r.body);
  EXPECT_EQ(phones.Size("/hits"), 2u) << r.body;
  EXPECT_EQ(phones.Uint("/estimatedTotalHits"), 2u) << r.body;
  EXPECT_EQ(r.body.find("\"p1\""), std::string::npos) << r.body;
  r = Call("GET", "/v1/search?limit=10");  // Empty query: browse.
  JsonBody browse(r.body);
  EXPECT_EQ(browse.Size("/hits"), 3u) << r.body;
  EXPECT_EQ(browse.Uint("/estimatedTotalHits"), 3u) << r.body;
  EXPECT_EQ(r.body.find("\"p1\""), std::string::npos) << r.body;
  r = Call("POST", "/v1/search", R"({"filter": "brand = Samsung", "facets": ["brand"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody faceted(r.body);
  EXPECT_EQ(faceted.Uint("/estimatedTotalHits"), 1u) << r.body;
  EXPECT_EQ(faceted.String("/hits/0/id"), "p3");
  EXPECT_EQ(faceted.Uint("/facetDistribution/brand/Samsung"), 1u) << r.body;

  // Unhide: searchable again; hide again: gone again.
  r = Call("PATCH", "/v1/products/p1", R"({"hidden": false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(BoolAt(JsonBody(r.body), "/hidden"));
  r = Call("GET", "/v1/search?q=galaxy");
  EXPECT_EQ(JsonBody(r.body).String("/hits/0/id"), "p1") << r.body;
  EXPECT_EQ(JsonBody(Call("GET", "/v1/search?q=phone").body).Size("/hits"), 3u);
  ASSERT_EQ(Call("PATCH", "/v1/products/p1", R"({"hidden": true})").status, 200);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/search?q=galaxy").body).Size("/hits"), 0u);
}

TEST_F(CatalogRoutes, HiddenIsReadFromIngestedDocuments) {
  auto r = Call("POST", "/v1/products",
                R"([{"id": "h1", "title": "Secret Kettle", "hidden": true},
                    {"id": "h2", "title": "Public Kettle", "hidden": false}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/indexed"), 2u);
  EXPECT_TRUE(BoolAt(JsonBody(Call("GET", "/v1/products/h1").body), "/hidden"));
  r = Call("GET", "/v1/search?q=kettle");
  JsonBody search(r.body);
  EXPECT_EQ(search.Size("/hits"), 1u) << r.body;
  EXPECT_EQ(search.String("/hits/0/id"), "h2");
  pb::ProductBatch batch;
  auto* p = batch.add_products();
  p->set_id("h3");
  p->set_title("Protobuf Secret Kettle");
  p->set_hidden(true);
  r = Call("POST", "/v1/products", batch.SerializeAsString(), "application/x-protobuf");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(BoolAt(JsonBody(Call("GET", "/v1/products/h3").body), "/hidden"));
  EXPECT_EQ(JsonBody(Call("GET", "/v1/search?q=kettle").body).Size("/hits"), 1u);
}

TEST_F(CatalogRoutes, HiddenOfTheWrongTypeIs400NamingTheField) {
  auto r = Call("PATCH", "/v1/products/p1", R"({"hidden": "yes"})");
  EXPECT_EQ(r.status, 400) << r.body;
  JsonBody body(r.body);
  EXPECT_EQ(body.String("/error/field"), "hidden") << r.body;
  EXPECT_NE(body.String("/error/message").find("hidden"), std::string::npos) << r.body;
  r = Call("POST", "/v1/products", R"([{"id": "x", "title": "X", "hidden": "yes"}])");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("hidden"), std::string::npos) << r.body;
  // Nothing changed.
  EXPECT_FALSE(BoolAt(JsonBody(Call("GET", "/v1/products/p1").body), "/hidden"));
  EXPECT_EQ(Call("GET", "/v1/products/x").status, 404);
}

TEST_F(CatalogRoutes, DeleteRemovesAndUnknownIdsAre404) {
  EXPECT_EQ(Call("DELETE", "/v1/products/p1").status, 200);
  EXPECT_EQ(Call("GET", "/v1/products/p1").status, 404);
  auto r = Call("DELETE", "/v1/products/p1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "product_not_found");
  EXPECT_EQ(Call("PATCH", "/v1/products/nope", R"({"price": 1})").status, 404);
  r = Call("POST", "/v1/products/delete-batch", R"(["p2", "zzz"])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/deleted"), 1u);
}

struct BadRequest {
  const char* method;
  const char* target;
  const char* body;
  int status;
  const char* field;  // Expected error.field, or "" for none.
};

TEST_F(CatalogRoutes, EveryBadInputGetsAClearClientError) {
  const BadRequest cases[] = {
      {"POST", "/v1/products", "[{\"id\": \"x\", ", 400, "body"},
      {"POST", "/v1/products", "{\"id\": \"x\"}", 400, "body"},  // Not an array.
      {"POST", "/v1/products", "[{\"id\": \"x\", \"title\": 5}]", 422, ""},
      {"POST", "/v1/products", "[{\"id\": \"x\", \"title\": \"\xFF\"}]", 400, "body"},
      {"PATCH", "/v1/products/p1", "{\"price\": \"cheap\"}", 400, ""},
      {"PATCH", "/v1/products/p1", "{\"colour\": \"red\"}", 400, ""},
      {"PATCH", "/v1/products/p1", "[1,", 400, ""},
      {"POST", "/v1/search", "{\"q\": 12}", 400, "q"},
      {"POST", "/v1/search", "{\"limit\": -1}", 400, "limit"},
      {"POST", "/v1/search", "{\"q\": \"x\", \"bogus\": 1}", 400, "bogus"},
      {"POST", "/v1/search", "{\"filter\": \"brand =\"}", 400, "filter"},
      {"POST", "/v1/search", "{\"filter\": \"colour = red\"}", 400, "filter"},
      {"POST", "/v1/search", "{\"filter\": \"price > cheap\"}", 400, "filter"},
      {"POST", "/v1/search", "{\"sort\": [\"title:asc\"]}", 400, "sort"},
      {"POST", "/v1/search", "{\"facets\": [\"nonexistent\"]}", 400, "facets"},
      {"POST", "/v1/search", "{\"page\": 0}", 400, "page"},
      {"POST", "/v1/search", "{\"q\": \"x\"} trailing", 400, "body"},
      {"GET", "/v1/search?limit=ten", "", 400, "limit"},
      {"GET", "/v1/search?q=%zz", "", 400, ""},
      {"GET", "/v1/nope", "", 404, ""},
      {"PUT", "/v1/search", "", 405, ""},
  };
  for (const BadRequest& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.method, " ", c.target, " ", c.body));
    auto r = Call(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    JsonBody body(r.body);
    ASSERT_TRUE(body.ok()) << r.body;
    EXPECT_NE(body.String("/error/message"), "<missing>") << r.body;
    if (*c.field) {
      EXPECT_EQ(body.String("/error/field"), c.field) << r.body;
    }
  }
  // Nothing was lost or changed by the bad requests.
  EXPECT_EQ(JsonBody(Call("GET", "/v1/stats").body).Uint("/numberOfDocuments"), 4u);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/products/p1").body).String("/title"), "Galaxy Phone 128GB");
}

TEST_F(CatalogRoutes, FilterErrorsCarryThePosition) {
  auto r = Call("POST", "/v1/search", R"({"filter": "brand = Samsung AND colour = red"})");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(JsonBody(r.body).Uint("/error/position"), 20u) << r.body;
  r = Call("POST", "/v1/search", R"({"filter": "brand = Samsung AND"})");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(JsonBody(r.body).Uint("/error/position"), 19u) << r.body;
}

TEST_F(CatalogRoutes, OversizedBodyIs413AndTheServerKeepsServing) {
  std::string huge(5 << 20, ' ');
  auto fresh = NewClient();
  auto r = fresh->Send("POST", "/v1/products", huge, "application/json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(Call("GET", "/v1/search?q=tea").status, 200);
}

TEST_F(CatalogRoutes, UnsupportedContentTypeIsRejected) {
  auto r = Call("POST", "/v1/products", "id,title\n1,x\n", "text/csv");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "unsupported_media_type");
}

TEST_F(CatalogRoutes, SixteenClientsMixedRequestsWithoutAnError) {
  constexpr int kClients = 16;
  constexpr int kRequests = 500;
  std::atomic<int> failures{0};
  std::mutex first_failure_mu;
  std::string first_failure;
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = NewClient();
      for (int i = 0; i < kRequests; ++i) {
        absl::StatusOr<ClientResponse> r;
        switch (i % 5) {
          case 0:
            r = client->Send("GET", "/v1/search?q=phone&facets=brand");
            break;
          case 1:
            r = client->Send("POST", "/v1/search",
                             R"({"q":"tea","filter":"price < 10","sort":["price:asc"]})");
            break;
          case 2:
            r = client->Send("GET", "/v1/products/p2");
            break;
          case 3:
            r = client->Send("POST", "/v1/products",
                             absl::StrCat(R"([{"id":"c)", c, "-", i,
                                          R"(","title":"Concurrent Mug","price":)", i, "}]"));
            break;
          default:
            r = client->Send("PATCH", "/v1/products/p4",
                             absl::StrCat(R"({"popularity":)", c * 1000 + i, "}"));
        }
        if (!r.ok() || r->status != 200) {
          if (failures++ == 0) {
            std::lock_guard<std::mutex> lock(first_failure_mu);
            first_failure = r.ok() ? absl::StrCat(i % 5, ": ", r->status, " ", r->body)
                                   : std::string(r.status().message());
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  // Every acknowledged write is there.
  auto r = Call("POST", "/v1/search", R"({"q":"concurrent mug","hitsPerPage":1})");
  EXPECT_EQ(JsonBody(r.body).Uint("/totalHits"), static_cast<uint64_t>(kClients * kRequests / 5));
}

TEST_F(CatalogRoutes, MetricsCountRequestsPerRoute) {
  Call("GET", "/v1/search?q=tea");
  auto r = Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("route=\"/v1/search\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("aisle_documents_indexed 4"), std::string::npos) << r.body;
  EXPECT_EQ(Call("GET", "/health").status, 200);
}

}  // namespace
}  // namespace aisle::server
