#include "server/router.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "server/errors.h"

namespace aisle::server {
namespace {

constexpr std::array<std::string_view, 7> kStandardMethods = {"GET",    "HEAD",  "POST",   "PUT",
                                                              "DELETE", "PATCH", "OPTIONS"};

// Splits "/a/b%2Fc" into raw segments {"a", "b%2Fc"}; "/" gives {""}.
std::vector<std::string_view> SplitRaw(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsParamName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

struct Router::Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteTraits traits;
  std::vector<std::string> param_names;  // In path order.
  RouteSeries* series = nullptr;
};

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::map<std::string, Route, std::less<>> routes;  // By method.
};

struct Router::Match {
  std::vector<std::string> segments;  // Decoded.
  const Route* route = nullptr;
  std::vector<const std::string*> params;  // Into `segments`.
  bool path_matched = false;
  std::vector<std::string> allowed;  // Methods of the matching paths.
};

Router::Router(Metrics* metrics) : metrics_(metrics), root_(std::make_unique<Node>()) {
  if (metrics_ == nullptr) return;
  for (size_t i = 0; i < kStandardMethods.size(); ++i) {
    unmatched_series_[i] = metrics_->Series("unmatched", kStandardMethods[i]);
  }
  unmatched_series_.back() = metrics_->Series("unmatched", "OTHER");
}

Router::~Router() = default;

void Router::Add(std::string method, std::string pattern, Handler handler, RouteTraits traits) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  if (method.empty()) throw std::invalid_argument("route method is empty: " + pattern);
  Route route{method, pattern, std::move(handler), traits, {}, nullptr};
  Node* node = root_.get();
  for (std::string_view segment : SplitRaw(pattern)) {
    const bool opens = segment.find('{') != std::string_view::npos;
    const bool closes = segment.find('}') != std::string_view::npos;
    if (opens || closes) {
      if (segment.size() < 2 || segment.front() != '{' || segment.back() != '}' ||
          !IsParamName(segment.substr(1, segment.size() - 2))) {
        throw std::invalid_argument("malformed parameter in route pattern: " + pattern);
      }
      route.param_names.emplace_back(segment.substr(1, segment.size() - 2));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else {
      auto& child = node->literals[std::string(segment)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  if (node->routes.count(method) != 0) {
    throw std::invalid_argument("duplicate route: " + method + " " + pattern + " (same shape as " +
                                node->routes[method].pattern + ")");
  }
  if (metrics_ != nullptr) route.series = metrics_->Series(pattern, method);
  routes_.push_back(RouteInfo{method, pattern});
  node->routes.emplace(std::move(method), std::move(route));
}

bool Router::Find(const Node& node, const std::vector<std::string>& segments, size_t index,
                  std::string_view method, std::vector<const std::string*>* params,
                  Match* match) const {
  if (index == segments.size()) {
    if (node.routes.empty()) return false;
    match->path_matched = true;
    auto it = node.routes.find(method);
    if (it == node.routes.end() && method == "HEAD") it = node.routes.find("GET");
    if (it != node.routes.end()) {
      match->route = &it->second;
      match->params = *params;
      return true;
    }
    for (const auto& [m, route] : node.routes) match->allowed.push_back(m);
    return false;
  }
  const std::string& segment = segments[index];
  if (auto it = node.literals.find(segment); it != node.literals.end()) {
    if (Find(*it->second, segments, index + 1, method, params, match)) return true;
  }
  if (node.param && !segment.empty()) {
    params->push_back(&segment);
    if (Find(*node.param, segments, index + 1, method, params, match)) return true;
    params->pop_back();
  }
  return false;
}

void Router::Lookup(std::string_view method, std::string_view raw_path, Match* match) const {
  for (std::string_view raw : SplitRaw(raw_path)) {
    std::string decoded;
    if (!PercentDecode(raw, false, &decoded)) return;  // No route matches a malformed path.
    match->segments.push_back(std::move(decoded));
  }
  std::vector<const std::string*> params;
  Find(*root_, match->segments, 0, method, &params, match);
}

RouteTraits Router::Traits(std::string_view method, std::string_view path) const {
  Match match;
  Lookup(method, path, &match);
  if (match.route != nullptr) return match.route->traits;
  RouteTraits traits;
  traits.body_limit = kUnmatchedBodyLimit;
  traits.blocking = false;
  return traits;
}

RouteSeries* Router::UnmatchedSeries(std::string_view method) const {
  for (size_t i = 0; i < kStandardMethods.size(); ++i) {
    if (kStandardMethods[i] == method) return unmatched_series_[i];
  }
  return unmatched_series_.back();
}

Response Router::Handle(Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  const std::string_view raw_path =
      request.target.empty() ? std::string_view(request.path) : TargetPath(request.target);
  Match match;
  Lookup(request.method, raw_path, &match);
  Response response;
  RouteSeries* series = nullptr;
  if (match.route != nullptr) {
    const Route& route = *match.route;
    series = route.series;
    request.path_params.clear();
    for (size_t i = 0; i < route.param_names.size(); ++i) {
      request.path_params.emplace_back(route.param_names[i], *match.params[i]);
    }
    try {
      response = route.handler(request);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "aisle: handler %s %s threw: %s\n", route.method.c_str(),
                   route.pattern.c_str(), e.what());
      response = ErrorResponse(500, "internal", "internal error");
    } catch (...) {
      std::fprintf(stderr, "aisle: handler %s %s threw a non-exception\n", route.method.c_str(),
                   route.pattern.c_str());
      response = ErrorResponse(500, "internal", "internal error");
    }
  } else if (match.path_matched) {
    series = metrics_ ? UnmatchedSeries(request.method) : nullptr;
    std::vector<std::string>& allowed = match.allowed;
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) {
      allowed.push_back("HEAD");
    }
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    response = ErrorResponse(405, "method_not_allowed",
                             request.method + " is not allowed here; allowed: " + allow);
    response.headers.emplace_back("Allow", std::move(allow));
  } else {
    series = metrics_ ? UnmatchedSeries(request.method) : nullptr;
    response = ErrorResponse(404, "route_not_found", "no route for " + std::string(raw_path));
  }
  if (series != nullptr) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    series->Observe(response.status, elapsed.count());
  }
  return response;
}

std::vector<Router::RouteInfo> Router::Routes() const { return routes_; }

}  // namespace aisle::server
