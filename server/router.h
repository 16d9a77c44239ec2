// Router: the Dispatcher that maps (method, path pattern) to handlers.
//
// Patterns are literal segments and parameters: "/v1/products/{id}",
// "/v1/products/search". Matching is per segment on the path as sent, each
// segment percent-decoded on its own (so an id may contain an encoded '/').
// A literal segment wins over a parameter at the same position; when the
// literal branch has no route for the method, the parameter branch is tried.
// A parameter never matches an empty segment; "/a/" and "/a" differ.
//
// Unknown path: 404 {"error":{"code":"route_not_found"}}. Known path, other
// method: 405 "method_not_allowed" with an Allow header. HEAD is served by the
// GET route when no HEAD route exists (the server drops the body).
// A handler that throws gets a 500 "internal" error (what() goes to stderr,
// never to the client).
//
// Metrics (when a registry was given): one series per (pattern, method);
// unmatched requests under route "unmatched" with the method, or "OTHER" for
// non-standard methods, so the label cardinality stays bounded.
//
// Thread-safety: Add() only during wiring, before the server starts; the const
// methods may then be called concurrently. Handlers are called concurrently.
#ifndef AISLE_SERVER_ROUTER_H_
#define AISLE_SERVER_ROUTER_H_

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/http.h"
#include "server/http_server.h"
#include "server/metrics.h"

namespace aisle::server {

using Handler = std::function<Response(Request&)>;

class Router final : public Dispatcher {
 public:
  // The body limit given to requests that match no route.
  static constexpr size_t kUnmatchedBodyLimit = 64 * 1024;

  // `metrics` is not owned, may be null, and must outlive the router.
  explicit Router(Metrics* metrics = nullptr);
  ~Router() override;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers a route. Throws std::invalid_argument on a malformed pattern
  // (not starting with '/', an empty or unclosed "{}") or a duplicate
  // (method, pattern shape): both are wiring bugs found at startup.
  void Add(std::string method, std::string pattern, Handler handler, RouteTraits traits = {});

  // `path` as sent (percent-encoded, without the query).
  RouteTraits Traits(std::string_view method, std::string_view path) const override;
  // Matches the path of request.target (request.path when target is empty),
  // fills request.path_params and calls the handler.
  Response Handle(Request& request) const override;

  struct RouteInfo {
    std::string method, pattern;
  };
  // Registered routes in registration order.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Route;
  struct Node;
  struct Match;

  bool Find(const Node& node, const std::vector<std::string>& segments, size_t index,
            std::string_view method, std::vector<const std::string*>* params, Match* match) const;
  // Finds the route for (method, raw path); falls back from HEAD to GET.
  void Lookup(std::string_view method, std::string_view raw_path, Match* match) const;
  RouteSeries* UnmatchedSeries(std::string_view method) const;

  Metrics* metrics_;
  std::unique_ptr<Node> root_;
  std::vector<RouteInfo> routes_;
  // Series for unmatched requests by standard method, last one "OTHER".
  std::array<RouteSeries*, 8> unmatched_series_{};
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_ROUTER_H_
