#include "index/product_index.h"

#include <xapian.h>

#include <array>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "index/blend_internal.h"
#include "index/catalog_columns_internal.h"
#include "index/document_builder_internal.h"
#include "index/facet_spy_internal.h"
#include "index/index_writer_internal.h"
#include "index/query_compiler_internal.h"
#include "index/xapian_status_internal.h"
#include "proto/product_codec.h"

namespace aisle::index {
namespace {

using internal::CatalogColumns;
using internal::NumericField;

// Products per build task: big enough to amortize the hand-off, small enough
// that the writer starts on a bulk request while the rest is being built.
constexpr size_t kBuildChunk = 1000;
// Reads disturbed by a concurrent commit reopen and try again (see WithReader).
constexpr int kReadAttempts = 4;  // The last runs with commits held back.
constexpr uint64_t kStaleGeneration = std::numeric_limits<uint64_t>::max();

// One Xapian::Database (not thread-safe) and what a search needs beside it.
struct Reader {
  explicit Reader(const std::string& path) : db(path) {}
  Xapian::Database db;
  uint64_t generation = 0;  // Writer generation this handle has caught up with.
  internal::QueryTokenizer tokenizer;
};

// Readers checked out one search at a time. Thread-safe.
class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  // May throw Xapian::Error.
  void Fill(int count, uint64_t generation) {
    for (int i = 0; i < count; ++i) {
      auto reader = std::make_unique<Reader>(path_);
      reader->generation = generation;
      Release(std::move(reader));
    }
  }

  // A reader at least as fresh as the commit that made `generation` (which
  // the caller read before calling). May throw Xapian::Error.
  std::unique_ptr<Reader> Acquire(uint64_t generation) {
    std::unique_ptr<Reader> reader;
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        reader = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (reader == nullptr) {
      reader = std::make_unique<Reader>(path_);
    } else if (reader->generation != generation) {
      reader->db.reopen();
    }
    reader->generation = generation;
    return reader;
  }

  void Release(std::unique_ptr<Reader> reader) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(reader));
  }

 private:
  const std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Reader>> free_;  // Guarded by mu_.
};

// Product id -> docid, remembered from Xapian lookups so live-signal updates
// (a bulk signal route, the demand of every product an event batch touches)
// skip the id term's posting list read: measured at ~25 us per lookup under
// ingest load (a pread per lookup), a quarter of an event request's time.
//
// Exact without invalidation: an entry is used only while its docid is live
// in the columns; Xapian never reuses a docid, and a product keeps its docid
// while it exists (upserts and patches replace in place), so a live cached
// docid is still that product's. A deleted product's docid goes dead after
// its commit and the lookup falls back to Xapian. Thread-safe.
class DocidCache {
 public:
  // 0 when the id is not remembered.
  uint32_t Find(std::string_view id) const {
    const Shard& shard = ShardOf(id);
    std::lock_guard lock(shard.mu);
    auto it = shard.ids.find(absl::string_view(id.data(), id.size()));
    return it == shard.ids.end() ? 0 : it->second;
  }

  void Remember(std::string_view id, uint32_t docid) {
    Shard& shard = ShardOf(id);
    std::lock_guard lock(shard.mu);
    // Bounded memory: a shard that fills up starts over (lookups refill it).
    if (shard.ids.size() >= kMaxPerShard) shard.ids.clear();
    shard.ids.insert_or_assign(std::string(id), docid);
  }

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxPerShard = size_t{1} << 18;  // ~4M ids in all.
  struct alignas(64) Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<std::string, uint32_t> ids;  // Guarded by mu.
  };
  Shard& ShardOf(std::string_view id) {
    return shards_[std::hash<std::string_view>()(id) % kShards];
  }
  const Shard& ShardOf(std::string_view id) const {
    return shards_[std::hash<std::string_view>()(id) % kShards];
  }
  std::array<Shard, kShards> shards_;
};

// What a query compiles to before it meets a database.
struct SearchPlan {
  std::optional<Xapian::Query> filter;
  std::vector<std::pair<std::string, internal::FacetSource>> facets;
  std::vector<std::pair<NumericField, bool>> sort_keys;  // (field, descending)
  bool relevance_first = false;                          // Sort by relevance, then the keys.
  std::shared_ptr<const internal::ResolvedBlend> blend;  // Null: BM25 alone.
};

// `query` without the hidden (unpublished) products. Every search goes
// through this, for its hits, totals and facets alike. A boolean term rather
// than a column check: it lives in the document, so it is committed with it
// (a reader's snapshot always agrees with the document data), survives a
// reopen with no extra state, and needs no posting source of our own. Only
// hidden products carry the term, so its posting list is short (empty when
// nothing is hidden) and Xapian's AND_NOT prunes itself down to the left
// side once that list is exhausted: the common case costs next to nothing.
Xapian::Query WithoutHidden(const Xapian::Query& query) {
  return Xapian::Query(Xapian::Query::OP_AND_NOT, query,
                       Xapian::Query(std::string(internal::kHiddenTerm)));
}

// What FetchHits ranks by: the query that matches and weighs, and how to
// turn a match weight into a hit's score and details.
struct Ranking {
  Xapian::Query query;
  bool has_text = false;
  double best_bm25 = 0;   // The text's best possible BM25 (blended with text).
  double bm25_scale = 0;  // Relevance weight / best_bm25.
  // False when the matcher passes over documents (a blend without text):
  // its match counts are then no estimate of the total.
  bool counts_matches = true;
};

class ProductIndexImpl : public ProductIndex {
 public:
  ProductIndexImpl(const IndexOptions& options, Xapian::WritableDatabase db,
                   std::unique_ptr<CatalogColumns> columns)
      : columns_(std::move(columns)),
        build_threads_(options.build_threads > 0
                           ? options.build_threads
                           : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
        pool_(build_threads_),
        writer_(std::move(db), columns_.get(), options.max_docs_per_commit),
        readers_(options.path) {
    readers_.Fill(std::max(0, options.initial_readers), writer_.generation());
  }

  ~ProductIndexImpl() override { Close().IgnoreError(); }

  absl::Status Upsert(std::vector<Product> products) override;
  absl::StatusOr<size_t> Delete(const std::vector<std::string>& ids) override;
  absl::StatusOr<Product> Patch(std::string_view id, const ProductPatch& patch) override;
  absl::StatusOr<Product> Get(std::string_view id) const override;
  absl::StatusOr<SignalUpdateResult> UpdateSignals(
      const std::vector<SignalUpdate>& updates) override;
  absl::StatusOr<LiveSignals> Signals(std::string_view id) const override;
  void PrepareBlend(const ScoreBlend& blend) override {
    columns_->Prepare(internal::ResolveBlend(blend, *columns_)->signals);
  }
  absl::StatusOr<SearchResult> Search(const SearchQuery& query) const override;
  absl::StatusOr<std::vector<Hit>> Scan(ScanCursor* cursor, size_t limit) const override;

  IndexStats Stats() const override {
    return IndexStats{writer_.documents(), writer_.commits(), writer_.generation()};
  }
  std::vector<std::string> AttributeNames() const override { return columns_->AttributeNames(); }
  absl::Status Close() override { return writer_.Close(); }

 private:
  absl::Status UpsertPipelined(std::vector<Product> products);
  LiveSignals ReadSignals(uint32_t docid) const;
  // The docid of a product id on `reader`, or 0.
  static Xapian::docid FindDocid(Reader& reader, std::string_view id);
  absl::StatusOr<SearchPlan> Plan(const SearchQuery& query) const;
  absl::StatusOr<SearchResult> RunSearch(Reader& reader, const SearchQuery& query,
                                         const SearchPlan& plan) const;
  // An estimated total from statistics alone.
  void EstimateTotal(Reader& reader, const Xapian::Query& query, SearchResult* result) const;
  // Exact total and facets: a full walk that keeps no hits.
  void CountExactly(Reader& reader, const Xapian::Query& query, const SearchPlan& plan,
                    SearchResult* result) const;
  // The requested page (and the estimated total when no exact one was made).
  absl::Status FetchHits(Reader& reader, const Ranking& ranking, const SearchQuery& request,
                         const SearchPlan& plan, SearchResult* result) const;
  // The ranked query: the text (or everything) under the filter, blended
  // with the business terms when the plan has a blend.
  Ranking RankingFor(Reader& reader, const std::optional<Xapian::Query>& text,
                     const SearchPlan& plan) const;
  // Hit::score and Hit::details of one match.
  void Score(const Ranking& ranking, const SearchPlan& plan, bool explain, double weight,
             double max_possible, uint32_t docid, internal::BlendScorer* scorer, Hit* hit) const;

  // Runs fn(Reader&) -> StatusOr<T> on a pooled reader; converts Xapian
  // errors; reopens and retries what a concurrent commit may have disturbed.
  template <typename T, typename F>
  absl::StatusOr<T> WithReader(const char* context, F&& fn) const;

  std::unique_ptr<CatalogColumns> columns_;  // Outlives everything below.
  const int build_threads_;
  internal::BuildPool pool_;
  internal::IndexWriter writer_;
  mutable ReaderPool readers_;
  mutable DocidCache docids_;
};

template <typename T, typename F>
absl::StatusOr<T> ProductIndexImpl::WithReader(const char* context, F&& fn) const {
  // Glass readers are not isolated from a writer that commits twice while
  // they read: usually that raises DatabaseModifiedError, but a block being
  // rewritten under a read can also yield a wrong answer (measured: about one
  // missed term per million lookups under back-to-back commits). So a miss,
  // unreadable data or any Xapian error is retried on a fresh snapshot when
  // the generation moved during the read.
  absl::Status status;
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    std::shared_lock<std::shared_mutex> no_commits;
    if (attempt + 1 == kReadAttempts) no_commits = writer_.HoldCommits();
    const uint64_t generation = writer_.generation();  // Before (re)opening.
    std::unique_ptr<Reader> reader;
    try {
      reader = readers_.Acquire(generation);
      absl::StatusOr<T> result = fn(*reader);
      const bool suspect = !result.ok() &&
                           (result.status().code() == absl::StatusCode::kNotFound ||
                            result.status().code() == absl::StatusCode::kDataLoss) &&
                           writer_.generation() != generation;
      if (!suspect) {
        readers_.Release(std::move(reader));
        return result;
      }
      status = result.status();
      reader->generation = kStaleGeneration;
      readers_.Release(std::move(reader));
    } catch (const Xapian::Error& e) {
      status = internal::XapianErrorToStatus(e, context);
      const bool modified = std::string(e.get_type()) == "DatabaseModifiedError";
      if (!modified && writer_.generation() == generation) return status;
      if (modified && reader != nullptr) {
        reader->generation = kStaleGeneration;  // Reopens at the next Acquire().
        readers_.Release(std::move(reader));
      }  // Otherwise the reader is dropped; a fresh one replaces it.
    }
  }
  return status;
}

absl::Status ProductIndexImpl::Upsert(std::vector<Product> products) {
  if (products.size() > kBuildChunk) return UpsertPipelined(std::move(products));
  std::vector<internal::PreparedDoc> docs;
  try {
    internal::DocumentBuilder builder;
    docs = internal::BuildDocuments(std::move(products), builder);
  } catch (const Xapian::Error& e) {
    return internal::XapianErrorToStatus(e, "build documents");
  }
  AISLE_ASSIGN_OR_RETURN(auto done, writer_.Upsert(std::move(docs), /*final=*/true));
  return done.get();
}

absl::Status ProductIndexImpl::UpsertPipelined(std::vector<Product> products) {
  // Chunks are built on the pool a few ahead of the writer and handed over in
  // order. Only the last needs a commit of its own; in between, the writer
  // commits every max_docs_per_commit documents.
  const size_t chunks = (products.size() + kBuildChunk - 1) / kBuildChunk;
  const size_t window = 2 * static_cast<size_t>(build_threads_) + 1;
  std::deque<std::future<std::vector<internal::PreparedDoc>>> building;
  std::vector<std::future<absl::Status>> acks;
  size_t submitted = 0;
  absl::Status status;
  for (size_t i = 0; i < chunks && status.ok(); ++i) {
    for (; submitted < chunks && building.size() < window; ++submitted) {
      const auto begin = products.begin() + static_cast<ptrdiff_t>(submitted * kBuildChunk);
      const auto end = products.begin() + static_cast<ptrdiff_t>(std::min(
                                              products.size(), (submitted + 1) * kBuildChunk));
      building.push_back(
          pool_.Submit({std::make_move_iterator(begin), std::make_move_iterator(end)}));
    }
    std::vector<internal::PreparedDoc> docs;
    try {
      docs = building.front().get();
    } catch (const Xapian::Error& e) {
      status = internal::XapianErrorToStatus(e, "build documents");
    }
    building.pop_front();
    if (!status.ok()) break;
    auto done = writer_.Upsert(std::move(docs), /*final=*/i + 1 == chunks);
    if (!done.ok()) {
      status = done.status();
      break;
    }
    acks.push_back(std::move(*done));
  }
  if (!status.ok() && !acks.empty()) {
    // Stopped early: ask for the commit the last chunk would have brought.
    if (auto flush = writer_.Upsert({}, /*final=*/true); flush.ok())
      acks.push_back(std::move(*flush));
  }
  for (auto& ack : acks) {
    const absl::Status chunk_status = ack.get();
    if (status.ok()) status = chunk_status;
  }
  return status;
}

absl::StatusOr<size_t> ProductIndexImpl::Delete(const std::vector<std::string>& ids) {
  AISLE_ASSIGN_OR_RETURN(auto done, writer_.Delete(ids));
  return done.get();
}

absl::StatusOr<Product> ProductIndexImpl::Patch(std::string_view id, const ProductPatch& patch) {
  AISLE_ASSIGN_OR_RETURN(auto done, writer_.Patch(std::string(id), patch));
  return done.get();
}

absl::StatusOr<Product> ProductIndexImpl::Get(std::string_view id) const {
  return WithReader<Product>("get", [&](Reader& reader) -> absl::StatusOr<Product> {
    const std::string term = internal::IdTerm(id);
    Xapian::PostingIterator it = reader.db.postlist_begin(term);
    if (it != reader.db.postlist_end(term)) {
      absl::StatusOr<Product> product = proto::ParseProduct(reader.db.get_document(*it).get_data());
      // Long ids are hashed into the term: make sure it is this one.
      if (!product.ok() || product->id == id) return product;
    }
    return absl::NotFoundError(absl::StrCat("product '", std::string(id), "' not found"));
  });
}

absl::StatusOr<SearchPlan> ProductIndexImpl::Plan(const SearchQuery& query) const {
  SearchPlan plan;
  if (query.filter) {
    AISLE_ASSIGN_OR_RETURN(plan.filter, internal::CompileFilter(*query.filter, *columns_));
  }
  for (const std::string& name : query.facets) {
    AISLE_ASSIGN_OR_RETURN(internal::FacetSource source, columns_->ResolveFacet(name));
    plan.facets.emplace_back(name, source);
  }
  for (size_t i = 0; i < query.sort.size(); ++i) {
    const std::optional<NumericField> column = internal::SortColumn(query.sort[i].field);
    if (!column) {
      // Relevance: first means "relevance, then the keys after it"; later, it
      // is the tie-break the keys before it get anyway.
      if (i == 0) {
        plan.relevance_first = true;
        continue;
      }
      break;
    }
    plan.sort_keys.emplace_back(*column, query.sort[i].descending);
  }
  if (query.blend) plan.blend = internal::ResolveBlend(*query.blend, *columns_);
  return plan;
}

void ProductIndexImpl::EstimateTotal(Reader& reader, const Xapian::Query& query,
                                     SearchResult* result) const {
  // Xapian estimates from posting list statistics without matching when
  // asked for no hits (exact for one filter term, or none).
  Xapian::Enquire enquire(reader.db);
  enquire.set_query(query);
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  const Xapian::MSet mset = enquire.get_mset(0, 0);
  result->total_hits = mset.get_matches_estimated();
  result->total_exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
}

void ProductIndexImpl::CountExactly(Reader& reader, const Xapian::Query& query,
                                    const SearchPlan& plan, SearchResult* result) const {
  // A separate walk with no hits to keep: Xapian then only counts (measured
  // about twice as fast as keeping even 20 hits while checking every match),
  // and weights do not change which documents match.
  internal::FacetSpy spy(columns_.get(), plan.facets);  // Outlives the Enquire.
  Xapian::Enquire enquire(reader.db);
  enquire.set_query(query);
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  if (!plan.facets.empty()) enquire.add_matchspy(&spy);
  const Xapian::MSet mset = enquire.get_mset(0, 0, reader.db.get_doccount());
  result->total_hits = mset.get_matches_estimated();
  result->total_exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
  spy.Render(result);
}

Ranking ProductIndexImpl::RankingFor(Reader& reader, const std::optional<Xapian::Query>& text,
                                     const SearchPlan& plan) const {
  Ranking ranking;
  ranking.has_text = text.has_value();
  if (plan.blend == nullptr) {
    ranking.query = text ? *text : internal::MatchAllQuery();
  } else {
    auto* source = new internal::BlendSource(columns_.get(), plan.blend);
    const Xapian::Query business(source->release());
    if (!text) {
      ranking.query = business;
      ranking.counts_matches = false;
    } else {
      // Relevance is BM25 over the best BM25 this query could reach, so its
      // weight means the same for one word or five. Xapian computes that
      // bound without matching when asked for no hits (a few microseconds).
      Xapian::Enquire bound(reader.db);
      bound.set_query(*text);
      bound.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0, 0.5));
      ranking.best_bm25 = bound.get_mset(0, 0).get_max_possible();
      ranking.bm25_scale =
          ranking.best_bm25 > 0 ? plan.blend->weights.relevance / ranking.best_bm25 : 0;
      ranking.query = Xapian::Query(
          Xapian::Query::OP_AND_MAYBE,
          Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, *text, ranking.bm25_scale), business);
    }
  }
  if (plan.filter) {
    ranking.query = Xapian::Query(Xapian::Query::OP_FILTER, ranking.query, *plan.filter);
  }
  ranking.query = WithoutHidden(ranking.query);
  return ranking;
}

void ProductIndexImpl::Score(const Ranking& ranking, const SearchPlan& plan, bool explain,
                             double weight, double max_possible, uint32_t docid,
                             internal::BlendScorer* scorer, Hit* hit) const {
  if (plan.blend == nullptr) {
    hit->score = ranking.has_text && max_possible > 0 ? weight / max_possible : 0;
    return;
  }
  const internal::ResolvedBlend& blend = *plan.blend;
  hit->score = blend.total_weight > 0 ? std::clamp(weight / blend.total_weight, 0.0, 1.0) : 0;
  if (!explain) return;
  ScoreDetails details;
  scorer->Explain(docid, &details);
  // The match weight is scaled BM25 plus the business terms; what the terms
  // do not explain is relevance. (A signal written between the match and
  // this read shifts it slightly.)
  const double business = details.availability.contribution() + details.demand.contribution() +
                          details.popularity.contribution() + details.margin.contribution() +
                          details.personalization.contribution();
  const double relevance = std::max(0.0, weight - business);
  details.relevance.weight = blend.weights.relevance;
  if (ranking.has_text && blend.weights.relevance > 0) {
    details.relevance.value = std::min(1.0, relevance / blend.weights.relevance);
    details.bm25 = ranking.bm25_scale > 0 ? relevance / ranking.bm25_scale : 0;
  }
  hit->details = details;
}

absl::Status ProductIndexImpl::FetchHits(Reader& reader, const Ranking& ranking,
                                         const SearchQuery& request, const SearchPlan& plan,
                                         SearchResult* result) const {
  Xapian::Enquire enquire(reader.db);
  enquire.set_query(ranking.query);
  // Neither text nor blend: every match weighs the same and docid order is
  // the stable order.
  if (!ranking.has_text && plan.blend == nullptr) {
    enquire.set_weighting_scheme(Xapian::BoolWeight());
  } else {
    // BM25 without document-length normalisation (b = 0): field weights are
    // already in the wdf, and skipping the per-match document length read
    // halves one-word query time (measured at 100k: p50 0.94 -> 0.41 ms).
    enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0, 0.5));
  }
  enquire.set_docid_order(Xapian::Enquire::ASCENDING);
  if (!plan.sort_keys.empty()) {
    auto* keys = new internal::ColumnKeyMaker(columns_.get(), plan.sort_keys);
    if (plan.relevance_first) {
      enquire.set_sort_by_relevance_then_key(keys->release(), false);
    } else {
      enquire.set_sort_by_key_then_relevance(keys->release(), false);
    }
  }
  // Nothing lies past the document count; clamping also keeps Xapian's
  // first + maxitems from overflowing.
  const size_t doccount = reader.db.get_doccount();
  const Xapian::MSet mset =
      enquire.get_mset(static_cast<Xapian::doccount>(std::min(request.offset, doccount)),
                       static_cast<Xapian::doccount>(std::min(request.limit, doccount)));
  if (!result->total_exact && ranking.counts_matches) {
    result->total_hits = mset.get_matches_estimated();
    result->total_exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
  }
  std::optional<internal::BlendScorer> scorer;
  if (plan.blend != nullptr && request.explain) scorer.emplace(columns_.get(), plan.blend);
  // No MSet::fetch(): in Xapian 1.4.22 it reads out of bounds when offset > 0,
  // and it only pays off for remote databases.
  result->hits.reserve(mset.size());
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    AISLE_ASSIGN_OR_RETURN(Product product, proto::ParseProduct(it.get_document().get_data()));
    Hit hit;
    hit.live = ReadSignals(*it);
    product.price = hit.live.price;
    hit.product = std::move(product);
    Score(ranking, plan, request.explain, it.get_weight(), mset.get_max_possible(), *it,
          scorer ? &*scorer : nullptr, &hit);
    result->hits.push_back(std::move(hit));
  }
  return absl::OkStatus();
}

absl::StatusOr<SearchResult> ProductIndexImpl::RunSearch(Reader& reader, const SearchQuery& query,
                                                         const SearchPlan& plan) const {
  const std::optional<Xapian::Query> text = reader.tokenizer.Parse(query.text);
  Xapian::Query xquery = text ? *text : internal::MatchAllQuery();
  if (plan.filter) xquery = Xapian::Query(Xapian::Query::OP_FILTER, xquery, *plan.filter);
  xquery = WithoutHidden(xquery);
  SearchResult result;
  // Both walks use the same handle, hence the same snapshot.
  if (!plan.facets.empty() || (query.exact_total && (text || plan.filter))) {
    CountExactly(reader, xquery, plan, &result);
  } else if (!text && !plan.filter) {
    // Everything visible matches, counted exactly from statistics (a boolean
    // term's frequency is exact) rather than estimated through the AND_NOT.
    const std::string hidden_term(internal::kHiddenTerm);
    result.total_hits = reader.db.get_doccount() - reader.db.get_termfreq(hidden_term);
    result.total_exact = true;
  }
  if (query.limit > 0 || !result.total_exact) {
    const Ranking ranking = RankingFor(reader, text, plan);
    if (!ranking.counts_matches && !result.total_exact) EstimateTotal(reader, xquery, &result);
    AISLE_RETURN_IF_ERROR(FetchHits(reader, ranking, query, plan, &result));
  }
  return result;
}

LiveSignals ProductIndexImpl::ReadSignals(uint32_t docid) const {
  LiveSignals live;
  live.price = columns_->double_column(NumericField::kPrice).Get(docid);
  live.base_price = columns_->double_column(NumericField::kBasePrice).Get(docid);
  const int64_t stock = columns_->int_column(NumericField::kStock).Get(docid);
  if (stock != internal::kStockUnknown) live.stock = stock;
  live.in_stock = stock > 0;
  live.demand = columns_->demand().Get(docid);
  live.hidden = columns_->IsHidden(docid);
  return live;
}

Xapian::docid ProductIndexImpl::FindDocid(Reader& reader, std::string_view id) {
  const std::string term = internal::IdTerm(id);
  Xapian::PostingIterator it = reader.db.postlist_begin(term);
  return it == reader.db.postlist_end(term) ? 0 : *it;
}

absl::StatusOr<SignalUpdateResult> ProductIndexImpl::UpdateSignals(
    const std::vector<SignalUpdate>& updates) {
  // The columns are written in place. Remembered docids first; the rest
  // resolve on one reader for the whole batch. A product deleted meanwhile is
  // simply not live any more.
  auto values_of = [](const SignalUpdate& u) {
    return internal::SignalValues{u.price, u.base_price, u.stock, u.popularity, u.cost, u.demand};
  };
  SignalUpdateResult result;
  std::vector<size_t> misses;
  for (size_t i = 0; i < updates.size(); ++i) {
    const uint32_t docid = docids_.Find(updates[i].product_id);
    if (docid != 0 && columns_->SetSignals(docid, values_of(updates[i]))) {
      ++result.applied;
    } else {
      misses.push_back(i);
    }
  }
  if (misses.empty()) return result;
  AISLE_ASSIGN_OR_RETURN(
      SignalUpdateResult looked_up,
      WithReader<SignalUpdateResult>(
          "update signals", [&](Reader& reader) -> absl::StatusOr<SignalUpdateResult> {
            SignalUpdateResult part;
            for (const size_t i : misses) {
              const SignalUpdate& u = updates[i];
              const Xapian::docid docid = FindDocid(reader, u.product_id);
              if (docid != 0 && columns_->SetSignals(docid, values_of(u))) {
                docids_.Remember(u.product_id, docid);
                ++part.applied;
              } else {
                part.unknown_ids.push_back(u.product_id);
              }
            }
            return part;
          }));
  result.applied += looked_up.applied;
  result.unknown_ids = std::move(looked_up.unknown_ids);
  return result;
}

absl::StatusOr<LiveSignals> ProductIndexImpl::Signals(std::string_view id) const {
  if (const uint32_t docid = docids_.Find(id); docid != 0 && columns_->IsLive(docid)) {
    return ReadSignals(docid);
  }
  return WithReader<LiveSignals>("signals", [&](Reader& reader) -> absl::StatusOr<LiveSignals> {
    const Xapian::docid docid = FindDocid(reader, id);
    if (docid == 0 || !columns_->IsLive(docid)) {
      return absl::NotFoundError(absl::StrCat("no product with id '", std::string(id), "'"));
    }
    docids_.Remember(id, docid);
    return ReadSignals(docid);
  });
}

absl::StatusOr<SearchResult> ProductIndexImpl::Search(const SearchQuery& query) const {
  AISLE_ASSIGN_OR_RETURN(const SearchPlan plan, Plan(query));
  return WithReader<SearchResult>("search",
                                  [&](Reader& reader) { return RunSearch(reader, query, plan); });
}

absl::StatusOr<std::vector<Hit>> ProductIndexImpl::Scan(ScanCursor* cursor, size_t limit) const {
  if (cursor->done || limit == 0) return std::vector<Hit>();
  ScanCursor next = *cursor;
  auto page = WithReader<std::vector<Hit>>(
      "scan", [&](Reader& reader) -> absl::StatusOr<std::vector<Hit>> {
        std::vector<Hit> hits;
        next = *cursor;  // A retry starts over from the caller's cursor.
        Xapian::PostingIterator it = reader.db.postlist_begin(std::string());
        const Xapian::PostingIterator end = reader.db.postlist_end(std::string());
        it.skip_to(next.next_docid);
        for (; it != end && hits.size() < limit; ++it) {
          AISLE_ASSIGN_OR_RETURN(Product product,
                                 proto::ParseProduct(reader.db.get_document(*it).get_data()));
          LiveSignals live = ReadSignals(*it);
          product.price = live.price;
          hits.push_back(Hit{std::move(product), 0, live});
          next.next_docid = *it + 1;
        }
        next.done = it == end;
        return hits;
      });
  if (page.ok()) *cursor = next;
  return page;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProductIndex>> ProductIndex::Open(const IndexOptions& options) {
  if (options.path.empty()) return InvalidArgumentError("the index path is empty", "path");
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create index directory '", options.path, "': ", ec.message()));
  }
  // Glass commits by itself every XAPIAN_FLUSH_THRESHOLD changes (10,000 by
  // default), read when a WritableDatabase opens. The writer commits once per
  // batch of at most max_docs_per_commit, so lift Glass's threshold above
  // that. An operator's own setting wins (overwrite = 0).
  const size_t threshold = std::max<size_t>(options.max_docs_per_commit * 2, 100000);
  ::setenv("XAPIAN_FLUSH_THRESHOLD", std::to_string(threshold).c_str(), 0);
  try {
    Xapian::WritableDatabase db(options.path, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
    auto columns = std::make_unique<CatalogColumns>();
    columns->RebuildFrom(db);
    return std::unique_ptr<ProductIndex>(
        new ProductIndexImpl(options, std::move(db), std::move(columns)));
  } catch (const Xapian::Error& e) {
    return internal::XapianErrorToStatus(e, "open '" + options.path + "'");
  }
}

}  // namespace aisle::index
