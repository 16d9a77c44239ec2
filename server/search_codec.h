// The search route's wire format: Meilisearch's request and response field
// names over ranking::SearchRequest / SearchResponse.
#ifndef AISLE_SERVER_SEARCH_CODEC_H_
#define AISLE_SERVER_SEARCH_CODEC_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "ranking/searcher.h"
#include "server/http.h"
#include "server/product_json.h"

namespace aisle::server {

struct SearchCall {
  ranking::SearchRequest request;
  ProductFieldSelection retrieve;
  bool show_ranking_score = false;
};

// POST body: {"q": "...", "filter": "..." | [...], "facets": [...], "sort": [...],
// "limit", "offset", "page", "hitsPerPage", "attributesToRetrieve", ...}.
absl::StatusOr<SearchCall> ParseSearchBody(std::string_view body);

// GET: the same names as query parameters; list parameters are comma-separated.
absl::StatusOr<SearchCall> ParseSearchQuery(const Request& request);

std::string WriteSearchResponse(const SearchCall& call, const ranking::SearchResponse& response,
                                double processing_ms);

}  // namespace aisle::server

#endif  // AISLE_SERVER_SEARCH_CODEC_H_
