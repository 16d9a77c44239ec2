#include "server/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace aisle::server {
namespace {

using ::testing::HasSubstr;

Request Make(std::string method, std::string target) {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  return request;
}

// A handler that answers "<name> k=v k=v" with the path parameters.
Handler Echo(std::string name) {
  return [name](Request& request) {
    Response response;
    response.content_type = "text/plain";
    response.body = name;
    for (const auto& [key, value] : request.path_params) response.body += " " + key + "=" + value;
    return response;
  };
}

std::string Header(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(Router, MatchesLiteralRoutes) {
  Router router;
  router.Add("GET", "/health", Echo("health"));
  router.Add("GET", "/", Echo("root"));
  Request health = Make("GET", "/health");
  EXPECT_EQ(router.Handle(health).body, "health");
  Request root = Make("GET", "/");
  EXPECT_EQ(router.Handle(root).body, "root");
  Request query = Make("GET", "/health?verbose=1");
  EXPECT_EQ(router.Handle(query).body, "health");
}

TEST(Router, FillsDecodedPathParameters) {
  Router router;
  router.Add("GET", "/v1/products/{id}", Echo("product"));
  router.Add("GET", "/v1/carts/{cart}/items/{item}", Echo("item"));
  Request product = Make("GET", "/v1/products/p0000001");
  EXPECT_EQ(router.Handle(product).body, "product id=p0000001");
  EXPECT_EQ(product.PathParam("id"), "p0000001");
  Request item = Make("GET", "/v1/carts/c%201/items/a%2Fb");
  EXPECT_EQ(router.Handle(item).body, "item cart=c 1 item=a/b");
  Request plus = Make("GET", "/v1/products/a+b");
  EXPECT_EQ(router.Handle(plus).body, "product id=a+b");  // '+' is not a space in paths.
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router router;
  router.Add("GET", "/v1/products/{id}", Echo("by-id"));
  router.Add("GET", "/v1/products/search", Echo("search"));
  Request search = Make("GET", "/v1/products/search");
  EXPECT_EQ(router.Handle(search).body, "search");
  EXPECT_TRUE(search.path_params.empty());
  Request other = Make("GET", "/v1/products/searches");
  EXPECT_EQ(router.Handle(other).body, "by-id id=searches");
}

TEST(Router, FallsBackToTheParameterWhenTheLiteralBranchDeadEnds) {
  Router router;
  router.Add("GET", "/a/b/c", Echo("literal"));
  router.Add("GET", "/a/{x}/d", Echo("param"));
  router.Add("POST", "/v1/products/search", Echo("search"));
  router.Add("GET", "/v1/products/{id}", Echo("by-id"));
  Request deep = Make("GET", "/a/b/d");
  EXPECT_EQ(router.Handle(deep).body, "param x=b");
  // The literal path exists for POST only: GET goes to the parameter route.
  Request get = Make("GET", "/v1/products/search");
  EXPECT_EQ(router.Handle(get).body, "by-id id=search");
  Request post = Make("POST", "/v1/products/search");
  EXPECT_EQ(router.Handle(post).body, "search");
}

TEST(Router, UnknownPathIs404RouteNotFound) {
  Router router;
  router.Add("GET", "/v1/products/{id}", Echo("product"));
  for (const char* target : {"/v1/nothing", "/v1/products", "/v1/products/", "/v1/products/x/y",
                             "/v1/products//", "/v1/products/%zz"}) {
    Request request = Make("GET", target);
    Response response = router.Handle(request);
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_THAT(response.body, HasSubstr(R"("code":"route_not_found")")) << target;
  }
}

TEST(Router, KnownPathWithOtherMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/v1/products/{id}", Echo("get"));
  router.Add("DELETE", "/v1/products/{id}", Echo("delete"));
  router.Add("PUT", "/v1/products/{id}", Echo("put"));
  Request request = Make("POST", "/v1/products/p1");
  Response response = router.Handle(request);
  EXPECT_EQ(response.status, 405);
  EXPECT_THAT(response.body, HasSubstr(R"("code":"method_not_allowed")"));
  EXPECT_EQ(Header(response, "Allow"), "DELETE, GET, HEAD, PUT");
}

TEST(Router, AllowListsMethodsOfEveryMatchingPath) {
  Router router;
  router.Add("POST", "/v1/products/search", Echo("search"));
  router.Add("PUT", "/v1/products/{id}", Echo("put"));
  Request request = Make("PATCH", "/v1/products/search");
  Response response = router.Handle(request);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(Header(response, "Allow"), "POST, PUT");
}

TEST(Router, HeadUsesTheGetRouteUnlessOneIsRegistered) {
  Router router;
  router.Add("GET", "/a", Echo("get-a"));
  router.Add("GET", "/b", Echo("get-b"));
  router.Add("HEAD", "/b", Echo("head-b"));
  Request a = Make("HEAD", "/a");
  EXPECT_EQ(router.Handle(a).body, "get-a");
  Request b = Make("HEAD", "/b");
  EXPECT_EQ(router.Handle(b).body, "head-b");
}

TEST(Router, TraitsComeFromTheMatchedRoute) {
  Router router;
  router.Add("POST", "/v1/products", Echo("ingest"), RouteTraits{64 << 20, true});
  router.Add("GET", "/v1/products/{id}", Echo("get"), RouteTraits{1024, false});
  RouteTraits ingest = router.Traits("POST", "/v1/products");
  EXPECT_EQ(ingest.body_limit, size_t{64} << 20);
  EXPECT_TRUE(ingest.blocking);
  RouteTraits get = router.Traits("GET", "/v1/products/p%201");
  EXPECT_EQ(get.body_limit, 1024u);
  EXPECT_FALSE(get.blocking);
  RouteTraits unknown = router.Traits("GET", "/nope");
  EXPECT_EQ(unknown.body_limit, Router::kUnmatchedBodyLimit);
  EXPECT_FALSE(unknown.blocking);
  RouteTraits wrong_method = router.Traits("DELETE", "/v1/products");
  EXPECT_EQ(wrong_method.body_limit, Router::kUnmatchedBodyLimit);
}

TEST(Router, ThrowingHandlerBecomes500WithoutDetails) {
  Router router;
  router.Add("GET", "/boom",
             [](Request&) -> Response { throw std::runtime_error("secret detail /srv/db"); });
  router.Add("GET", "/int", [](Request&) -> Response { throw 42; });
  Request boom = Make("GET", "/boom");
  Response response = router.Handle(boom);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, R"({"error":{"code":"internal","message":"internal error"}})");
  Request int_throw = Make("GET", "/int");
  EXPECT_EQ(router.Handle(int_throw).status, 500);
}

TEST(Router, RejectsMalformedAndDuplicatePatterns) {
  Router router;
  EXPECT_THROW(router.Add("GET", "no-slash", Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/{id", Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/{}", Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/x{id}", Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("", "/a", Echo("x")), std::invalid_argument);
  router.Add("GET", "/v1/products/{id}", Echo("x"));
  EXPECT_THROW(router.Add("GET", "/v1/products/{sku}", Echo("y")), std::invalid_argument);
  router.Add("PUT", "/v1/products/{sku}", Echo("y"));  // Another method is fine.
}

TEST(Router, ListsRoutesInRegistrationOrder) {
  Router router;
  router.Add("GET", "/b", Echo("b"));
  router.Add("POST", "/a/{id}", Echo("a"));
  const auto routes = router.Routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/b");
  EXPECT_EQ(routes[1].method, "POST");
  EXPECT_EQ(routes[1].pattern, "/a/{id}");
}

TEST(Router, MatchesAbsoluteFormTargetsAndFallsBackToPath) {
  Router router;
  router.Add("GET", "/v1/x", Echo("x"));
  Request absolute = Make("GET", "http://shop.example:8080/v1/x?q=1");
  EXPECT_EQ(router.Handle(absolute).body, "x");
  Request no_target;
  no_target.method = "GET";
  no_target.path = "/v1/x";
  EXPECT_EQ(router.Handle(no_target).body, "x");
}

TEST(Router, RecordsMetricsByPatternNotRawPath) {
  Metrics metrics;
  Router router(&metrics);
  router.Add("GET", "/v1/products/{id}", Echo("product"));
  for (const char* id : {"p1", "p2", "p3"}) {
    Request request = Make("GET", std::string("/v1/products/") + id);
    router.Handle(request);
  }
  Request missing = Make("GET", "/nothing/here");
  router.Handle(missing);
  Request odd = Make("BREW", "/coffee");
  router.Handle(odd);
  Request wrong = Make("POST", "/v1/products/p1");
  router.Handle(wrong);
  const std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("aisle_http_requests_total{route=\"/v1/products/{id}\","
                              "method=\"GET\",status=\"200\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_requests_total{route=\"unmatched\",method=\"GET\","
                              "status=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_requests_total{route=\"unmatched\",method=\"OTHER\","
                              "status=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("aisle_http_requests_total{route=\"unmatched\",method=\"POST\","
                              "status=\"405\"} 1\n"));
  EXPECT_EQ(text.find("p1"), std::string::npos);
  EXPECT_EQ(text.find("BREW"), std::string::npos);
}

}  // namespace
}  // namespace aisle::server
