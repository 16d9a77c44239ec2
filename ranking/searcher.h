// Searcher: turns a storefront search request (Meilisearch's vocabulary) into
// an index query, and the index's result into a page of hits with totals.
// Hits are ranked by the blended formula of the current RankingSettings,
// personalized for the request's user when a PersonalizationSource is given.
//
// Thread-safe: Search and SetRankingSettings may be called concurrently; the
// index and the personalization source are not owned and must outlive the
// searcher.
#ifndef AISLE_RANKING_SEARCHER_H_
#define AISLE_RANKING_SEARCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "index/product_index.h"
#include "ranking/filter_parser.h"
#include "ranking/ranking_settings.h"

namespace aisle::ranking {

struct SearchRequest {
  std::string q;
  // Meilisearch's filter: the outer list is ANDed, each inner list ORed; a
  // plain string filter is {{filter}}.
  std::vector<std::vector<std::string>> filter;
  std::vector<std::string> facets;
  std::vector<std::string> sort;  // "price:asc", "rating:desc", ...
  // Either offset/limit (estimated totals) or page/hits_per_page (exact
  // totals), as in Meilisearch. Page numbers start at 1.
  size_t offset = 0;
  size_t limit = 20;
  std::optional<size_t> page;
  std::optional<size_t> hits_per_page;
  // Personalizes the ranking for this user (empty: nobody in particular).
  std::string user_id;
  // Each hit carries every term of its score (showRankingScoreDetails).
  bool explain = false;
};

// A user's tastes as the index's personalization boosts. Implemented where
// the preferences live (commerce/, wired in server/): ranking does not
// depend on commerce/. Must be thread-safe.
class PersonalizationSource {
 public:
  virtual ~PersonalizationSource() = default;
  // Empty for an unknown user.
  virtual index::Personalization For(const std::string& user_id) const = 0;
};

struct SearchResponse {
  index::SearchResult result;
  bool paged = false;  // page/hits_per_page were used.
  size_t offset = 0;
  size_t limit = 0;
  size_t page = 0;
  size_t hits_per_page = 0;
  uint64_t total_pages = 0;
};

struct SearcherOptions {
  size_t max_query_bytes = 1024;
  size_t max_limit = 1000;     // Hits per page.
  size_t max_offset = 100000;  // Deep paging is a scraper's tool.
  size_t max_facets = 32;
  FilterParserOptions filter;
};

// Parses "field:asc|desc" (createdAt, price, rating, popularity).
absl::StatusOr<std::vector<index::SortSpec>> ParseSort(const std::vector<std::string>& sort);

class Searcher {
 public:
  // `personalization` may be null (no personalization).
  // Prepares the index for the default settings (see
  // ProductIndex::PrepareBlend).
  Searcher(index::ProductIndex* index, SearcherOptions options = {},
           const PersonalizationSource* personalization = nullptr);

  absl::StatusOr<SearchResponse> Search(const SearchRequest& request) const;

  // Replaces the ranking settings for the searches that start afterwards,
  // after preparing the index for them. InvalidArgument (nothing
  // changes) for invalid settings.
  absl::Status SetRankingSettings(const RankingSettings& settings);
  RankingSettings ranking_settings() const;

 private:
  absl::StatusOr<std::optional<index::FilterNode>> BuildFilter(
      const std::vector<std::vector<std::string>>& filter) const;

  // The blend for one request; nullopt when ranking settings are disabled.
  std::optional<index::ScoreBlend> BlendFor(const SearchRequest& request) const;

  index::ProductIndex* index_;
  SearcherOptions options_;
  const PersonalizationSource* personalization_;
  mutable std::mutex settings_mu_;
  std::shared_ptr<const RankingSettings> settings_;  // Guarded by settings_mu_.
};

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_SEARCHER_H_
