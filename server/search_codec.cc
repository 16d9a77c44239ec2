#include "server/search_codec.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxJsonDepth = 16;

// Meilisearch's filter: a string, or an array whose items are strings or
// arrays of strings (inner arrays are ORed, the outer array ANDed).
absl::Status ReadFilter(simdjson::ondemand::value value, ranking::SearchRequest* request) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return json::TypeError("filter", "a string or an array");
  if (type == simdjson::ondemand::json_type::null) return absl::OkStatus();
  if (type == simdjson::ondemand::json_type::string) {
    AISLE_ASSIGN_OR_RETURN(std::string s, json::String(value, "filter"));
    request->filter.push_back({std::move(s)});
    return absl::OkStatus();
  }
  simdjson::ondemand::array outer;
  if (value.get_array().get(outer)) return json::TypeError("filter", "a string or an array");
  for (auto item : outer) {
    simdjson::ondemand::value inner;
    if (item.get(inner)) return json::TypeError("filter", "strings or arrays of strings");
    simdjson::ondemand::json_type inner_type;
    if (inner.type().get(inner_type)) return json::TypeError("filter", "strings or arrays");
    if (inner_type == simdjson::ondemand::json_type::array) {
      AISLE_ASSIGN_OR_RETURN(auto ors, json::StringArray(inner, "filter", 256));
      request->filter.push_back(std::move(ors));
    } else {
      AISLE_ASSIGN_OR_RETURN(std::string s, json::String(inner, "filter"));
      request->filter.push_back({std::move(s)});
    }
    if (request->filter.size() > 256) {
      return InvalidArgumentError("filter: at most 256 clauses", "filter");
    }
  }
  return absl::OkStatus();
}

// Search parameters of Meilisearch that A2 implements; accepted and ignored
// until then so that InstantSearch clients work.
bool IsAcceptedButIgnored(std::string_view key) {
  return key == "attributesToHighlight" || key == "highlightPreTag" || key == "highlightPostTag" ||
         key == "attributesToCrop" || key == "cropLength" || key == "cropMarker" ||
         key == "showMatchesPosition" || key == "matchingStrategy" ||
         key == "attributesToSearchOn";
}

absl::Status ReadSearchField(std::string_view key, simdjson::ondemand::value value,
                             SearchCall* call) {
  ranking::SearchRequest& r = call->request;
  if (key == "q") {
    simdjson::ondemand::json_type type;
    if (!value.type().get(type) && type == simdjson::ondemand::json_type::null) {
      return absl::OkStatus();
    }
    AISLE_ASSIGN_OR_RETURN(r.q, json::String(value, "q"));
  } else if (key == "filter") {
    return ReadFilter(value, &r);
  } else if (key == "facets") {
    AISLE_ASSIGN_OR_RETURN(r.facets, json::StringArray(value, "facets", 64));
  } else if (key == "sort") {
    AISLE_ASSIGN_OR_RETURN(r.sort, json::StringArray(value, "sort", 8));
  } else if (key == "limit") {
    AISLE_ASSIGN_OR_RETURN(r.limit, json::Uint(value, "limit"));
  } else if (key == "offset") {
    AISLE_ASSIGN_OR_RETURN(r.offset, json::Uint(value, "offset"));
  } else if (key == "page") {
    AISLE_ASSIGN_OR_RETURN(r.page, json::Uint(value, "page"));
  } else if (key == "hitsPerPage") {
    AISLE_ASSIGN_OR_RETURN(r.hits_per_page, json::Uint(value, "hitsPerPage"));
  } else if (key == "attributesToRetrieve") {
    AISLE_ASSIGN_OR_RETURN(call->retrieve.only, json::StringArray(value, "attributesToRetrieve"));
  } else if (key == "showRankingScore") {
    AISLE_ASSIGN_OR_RETURN(call->show_ranking_score, json::Bool(value, "showRankingScore"));
  } else if (key == "showRankingScoreDetails") {
    AISLE_ASSIGN_OR_RETURN(r.explain, json::Bool(value, "showRankingScoreDetails"));
  } else if (key == "userId") {
    AISLE_ASSIGN_OR_RETURN(r.user_id, json::String(value, "userId"));
  } else if (!IsAcceptedButIgnored(key)) {
    return InvalidArgumentError(absl::StrCat("unknown search parameter '", std::string(key), "'"),
                                key);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> QueryUint(const Request& request, std::string_view name) {
  std::string_view text = request.Query(name);
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return InvalidArgumentError(
        absl::StrCat(std::string(name), ": expected a non-negative integer"), name);
  }
  return value;
}

absl::StatusOr<bool> QueryBool(std::string_view name, std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return InvalidArgumentError(absl::StrCat(std::string(name), ": expected true or false"), name);
}

// Each term of a blended score, as Meilisearch's _rankingScoreDetails: one
// object per rule with its order; "score" is the term's contribution.
void WriteScoreDetails(const index::Hit& hit, JsonWriter* out) {
  out->Key("_rankingScoreDetails").BeginObject();
  if (!hit.details) {  // Ranking by relevance alone.
    out->Key("relevance").BeginObject().Key("order").Int(0).Key("score").Double(hit.score);
    out->EndObject().EndObject();
    return;
  }
  const index::ScoreDetails& d = *hit.details;
  const std::pair<const char*, const index::ScoreTerm*> terms[] = {
      {"relevance", &d.relevance},   {"availability", &d.availability},
      {"demand", &d.demand},         {"popularity", &d.popularity},
      {"margin", &d.margin},         {"personalization", &d.personalization}};
  int order = 0;
  for (const auto& [name, term] : terms) {
    out->Key(name).BeginObject().Key("order").Int(order++);
    out->Key("value").Double(term->value).Key("weight").Double(term->weight);
    out->Key("score").Double(term->contribution());
    if (term == &d.relevance) out->Key("bm25").Double(d.bm25);
    out->EndObject();
  }
  out->EndObject();
}

std::vector<std::string> QueryList(std::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipWhitespace())) {
    out.emplace_back(part.data(), part.size());
  }
  return out;
}

}  // namespace

absl::StatusOr<SearchCall> ParseSearchBody(std::string_view body) {
  SearchCall call;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return call;
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      body, kMaxJsonDepth, [&](std::string_view key, simdjson::ondemand::value value) {
        return ReadSearchField(key, value, &call);
      }));
  return call;
}

absl::StatusOr<SearchCall> ParseSearchQuery(const Request& request) {
  SearchCall call;
  ranking::SearchRequest& r = call.request;
  for (const auto& [name, value] : request.query) {
    if (name == "q") {
      r.q = value;
    } else if (name == "filter") {
      r.filter.push_back({value});
    } else if (name == "facets") {
      r.facets = QueryList(value);
    } else if (name == "sort") {
      r.sort = QueryList(value);
    } else if (name == "limit") {
      AISLE_ASSIGN_OR_RETURN(r.limit, QueryUint(request, name));
    } else if (name == "offset") {
      AISLE_ASSIGN_OR_RETURN(r.offset, QueryUint(request, name));
    } else if (name == "page") {
      AISLE_ASSIGN_OR_RETURN(r.page, QueryUint(request, name));
    } else if (name == "hitsPerPage") {
      AISLE_ASSIGN_OR_RETURN(r.hits_per_page, QueryUint(request, name));
    } else if (name == "attributesToRetrieve") {
      call.retrieve.only = QueryList(value);
    } else if (name == "showRankingScore") {
      AISLE_ASSIGN_OR_RETURN(call.show_ranking_score, QueryBool(name, value));
    } else if (name == "showRankingScoreDetails") {
      AISLE_ASSIGN_OR_RETURN(r.explain, QueryBool(name, value));
    } else if (name == "userId") {
      r.user_id = value;
    } else if (!IsAcceptedButIgnored(name)) {
      return InvalidArgumentError(absl::StrCat("unknown search parameter '", name, "'"), name);
    }
  }
  return call;
}

std::string WriteSearchResponse(const SearchCall& call, const ranking::SearchResponse& response,
                                double processing_ms) {
  const index::SearchResult& result = response.result;
  JsonWriter out;
  out.BeginObject();
  out.Key("hits").BeginArray();
  for (const index::Hit& hit : result.hits) {
    out.BeginObject();
    WriteProductFields(hit.product, call.retrieve, &out);
    // In [0, 1] as Meilisearch's: the blended score over the sum of weights.
    if (call.show_ranking_score) out.Key("_rankingScore").Double(hit.score);
    if (call.request.explain) WriteScoreDetails(hit, &out);
    out.EndObject();
  }
  out.EndArray();
  out.Key("query").String(call.request.q);
  out.Key("processingTimeMs").Int(static_cast<int64_t>(std::lround(processing_ms)));
  if (response.paged) {
    out.Key("hitsPerPage").Uint(response.hits_per_page);
    out.Key("page").Uint(response.page);
    out.Key("totalPages").Uint(response.total_pages);
    out.Key("totalHits").Uint(result.total_hits);
  } else {
    out.Key("limit").Uint(response.limit);
    out.Key("offset").Uint(response.offset);
    out.Key("estimatedTotalHits").Uint(result.total_hits);
  }
  if (!call.request.facets.empty()) {
    out.Key("facetDistribution").BeginObject();
    for (const auto& [facet, values] : result.facet_distribution) {
      out.Key(facet).BeginObject();
      for (const auto& v : values) out.Key(v.value).Uint(v.count);
      out.EndObject();
    }
    out.EndObject();
    out.Key("facetStats").BeginObject();
    for (const auto& [facet, stats] : result.facet_stats) {
      out.Key(facet).BeginObject().Key("min").Double(stats.min).Key("max").Double(stats.max);
      out.EndObject();
    }
    out.EndObject();
  }
  out.EndObject();
  return out.Take();
}

}  // namespace aisle::server
