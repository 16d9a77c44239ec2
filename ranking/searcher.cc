#include "ranking/searcher.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace aisle::ranking {
namespace {

using index::FilterNode;

// Joins nodes under one AND/OR node; a single node stays itself.
FilterNode Combine(FilterNode::Kind kind, std::vector<FilterNode> nodes) {
  if (nodes.size() == 1) return std::move(nodes.front());
  FilterNode node;
  node.kind = kind;
  node.position = nodes.front().position;
  node.children = std::move(nodes);
  return node;
}

}  // namespace

absl::StatusOr<std::vector<index::SortSpec>> ParseSort(const std::vector<std::string>& sort) {
  std::vector<index::SortSpec> specs;
  for (const std::string& entry : sort) {
    const size_t colon = entry.rfind(':');
    const std::string field = entry.substr(0, colon);
    const std::string order = colon == std::string::npos ? "" : entry.substr(colon + 1);
    index::SortSpec spec;
    if (field == "price") {
      spec.field = index::SortField::kPrice;
    } else if (field == "rating") {
      spec.field = index::SortField::kRating;
    } else if (field == "createdAt") {
      spec.field = index::SortField::kCreatedAt;
    } else if (field == "popularity") {
      spec.field = index::SortField::kPopularity;
    } else {
      return InvalidArgumentError(
          absl::StrCat("cannot sort by '", field,
                       "': sortable attributes are price, rating, createdAt, popularity"),
          "sort");
    }
    if (order != "asc" && order != "desc") {
      return InvalidArgumentError(absl::StrCat("sort '", entry, "' must end in ':asc' or ':desc'"),
                                  "sort");
    }
    spec.descending = order == "desc";
    specs.push_back(spec);
  }
  return specs;
}

Searcher::Searcher(index::ProductIndex* index, SearcherOptions options,
                   const PersonalizationSource* personalization)
    : index_(index),
      options_(std::move(options)),
      personalization_(personalization),
      settings_(std::make_shared<const RankingSettings>()) {
  index_->PrepareBlend(ToBlend(*settings_, {}));
}

absl::Status Searcher::SetRankingSettings(const RankingSettings& settings) {
  AISLE_RETURN_IF_ERROR(ValidateRankingSettings(settings));
  // Before the switch, so the new settings' first queries are fast.
  index_->PrepareBlend(ToBlend(settings, {}));
  auto fresh = std::make_shared<const RankingSettings>(settings);
  std::lock_guard lock(settings_mu_);
  settings_ = std::move(fresh);
  return absl::OkStatus();
}

RankingSettings Searcher::ranking_settings() const {
  std::lock_guard lock(settings_mu_);
  return *settings_;
}

std::optional<index::ScoreBlend> Searcher::BlendFor(const SearchRequest& request) const {
  std::shared_ptr<const RankingSettings> settings;
  {
    std::lock_guard lock(settings_mu_);
    settings = settings_;
  }
  if (!settings->enabled) return std::nullopt;
  index::Personalization personal;
  if (personalization_ != nullptr && !request.user_id.empty() &&
      settings->weights.personalization > 0) {
    personal = personalization_->For(request.user_id);
  }
  return ToBlend(*settings, std::move(personal));
}

absl::StatusOr<std::optional<FilterNode>> Searcher::BuildFilter(
    const std::vector<std::vector<std::string>>& filter) const {
  std::vector<FilterNode> conjuncts;
  for (const auto& disjunction : filter) {
    std::vector<FilterNode> alternatives;
    for (const std::string& source : disjunction) {
      AISLE_ASSIGN_OR_RETURN(FilterNode node, ParseFilter(source, options_.filter));
      alternatives.push_back(std::move(node));
    }
    if (!alternatives.empty()) {
      conjuncts.push_back(Combine(FilterNode::Kind::kOr, std::move(alternatives)));
    }
  }
  if (conjuncts.empty()) return std::nullopt;
  return Combine(FilterNode::Kind::kAnd, std::move(conjuncts));
}

absl::StatusOr<SearchResponse> Searcher::Search(const SearchRequest& request) const {
  if (request.q.size() > options_.max_query_bytes) {
    return InvalidArgumentError(
        absl::StrCat("q is longer than ", options_.max_query_bytes, " bytes"), "q");
  }
  if (request.facets.size() > options_.max_facets) {
    return InvalidArgumentError(absl::StrCat("at most ", options_.max_facets, " facets"), "facets");
  }
  index::SearchQuery query;
  query.text = request.q;
  query.facets = request.facets;
  AISLE_ASSIGN_OR_RETURN(query.filter, BuildFilter(request.filter));
  AISLE_ASSIGN_OR_RETURN(query.sort, ParseSort(request.sort));
  if (request.user_id.size() > options_.max_query_bytes) {
    return InvalidArgumentError(
        absl::StrCat("userId is longer than ", options_.max_query_bytes, " bytes"), "userId");
  }
  query.blend = BlendFor(request);
  query.explain = request.explain;

  SearchResponse response;
  response.paged = request.page.has_value() || request.hits_per_page.has_value();
  if (response.paged) {
    response.page = request.page.value_or(1);
    response.hits_per_page = request.hits_per_page.value_or(20);
    if (response.page == 0) return InvalidArgumentError("page starts at 1", "page");
    if (response.hits_per_page > options_.max_limit) {
      return InvalidArgumentError(absl::StrCat("hitsPerPage is at most ", options_.max_limit),
                                  "hitsPerPage");
    }
    query.offset = (response.page - 1) * response.hits_per_page;
    query.limit = response.hits_per_page;
    query.exact_total = true;
  } else {
    if (request.limit > options_.max_limit) {
      return InvalidArgumentError(absl::StrCat("limit is at most ", options_.max_limit), "limit");
    }
    query.offset = request.offset;
    query.limit = request.limit;
  }
  if (query.offset > options_.max_offset) {
    return InvalidArgumentError(absl::StrCat("offset is at most ", options_.max_offset),
                                response.paged ? "page" : "offset");
  }
  response.offset = query.offset;
  response.limit = query.limit;
  AISLE_ASSIGN_OR_RETURN(response.result, index_->Search(query));
  if (response.paged && response.hits_per_page > 0) {
    response.total_pages =
        (response.result.total_hits + response.hits_per_page - 1) / response.hits_per_page;
  }
  return response;
}

}  // namespace aisle::ranking
