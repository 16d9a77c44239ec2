#include <algorithm>
#include <cstdio>
#include <set>

#include "index/document_builder_internal.h"
#include "proto/product_codec.h"

namespace aisle::index::internal {
namespace {

// Glass rejects terms over 245 bytes; stay clear of the limit.
constexpr size_t kMaxTermBytes = 240;
constexpr char kFacetRowVersion = 1;

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool ReadVarint(std::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return true;
  }
  return false;
}

void AppendString(std::string_view s, std::string* out) {
  AppendVarint(s.size(), out);
  out->append(s);
}

bool ReadString(std::string_view* in, std::string* s) {
  uint64_t size = 0;
  if (!ReadVarint(in, &size) || size > in->size()) return false;
  s->assign(in->substr(0, size));
  in->remove_prefix(size);
  return true;
}

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) >= 0x80) return Xapian::Unicode::tolower(std::string(text));
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string MakeTerm(std::string_view prefix, std::string_view value) {
  std::string term;
  if (prefix.size() + value.size() <= kMaxTermBytes) {
    term.reserve(prefix.size() + value.size());
    term.append(prefix).append(value);
    return term;
  }
  // Deterministic across builds and runs: FNV-1a, not std::hash.
  char hash[20];
  std::snprintf(hash, sizeof(hash), "#%016llx", static_cast<unsigned long long>(Fnv1a64(value)));
  const size_t keep = kMaxTermBytes - prefix.size() - 17;
  term.append(prefix).append(value.substr(0, keep)).append(hash);
  return term;
}

std::string IdTerm(std::string_view id) { return MakeTerm(kIdPrefix, id); }
std::string BrandTerm(std::string_view brand) { return MakeTerm(kBrandPrefix, Lower(brand)); }
std::string CategoryTerm(std::string_view category) {
  return MakeTerm(kCategoryPrefix, Lower(category));
}
std::string TagTerm(std::string_view tag) { return MakeTerm(kTagPrefix, Lower(tag)); }

std::string AttributeTerm(std::string_view name, std::string_view value) {
  return MakeTerm(kAttributePrefix, Lower(name) + "=" + Lower(value));
}

std::string LevelTerm(int level, std::string_view canonical_path) {
  std::string prefix(kLevelPrefix);
  prefix += std::to_string(level);
  prefix += ':';
  return MakeTerm(prefix, canonical_path);
}

std::string ExistsTerm(std::string_view field) { return MakeTerm(kExistsPrefix, field); }

std::string CanonicalCategoryPath(std::string_view path) {
  const std::string lower = Lower(path);
  std::string_view rest = lower;
  std::string out;
  while (true) {
    const size_t sep = rest.find('>');
    if (!out.empty()) out += " > ";
    out.append(Trim(rest.substr(0, sep)));
    if (sep == std::string_view::npos) break;
    rest.remove_prefix(sep + 1);
  }
  return out;
}

std::string CategoryPath(const std::vector<std::string>& categories, int level) {
  std::string out;
  for (int i = 0; i <= level && i < static_cast<int>(categories.size()); ++i) {
    if (i > 0) out += " > ";
    out += categories[i];
  }
  return out;
}

std::string EncodeFacetRow(const ColumnRow& row) {
  std::string out(1, kFacetRowVersion);
  AppendString(row.brand, &out);
  AppendVarint(row.categories.size(), &out);
  for (const auto& c : row.categories) AppendString(c, &out);
  AppendVarint(row.attributes.size(), &out);
  for (const auto& [name, value] : row.attributes) {
    AppendString(name, &out);
    AppendString(value, &out);
  }
  AppendVarint(row.tags.size(), &out);
  for (const auto& t : row.tags) AppendString(t, &out);
  return out;
}

bool DecodeFacetRow(std::string_view in, ColumnRow* row) {
  if (in.empty() || in.front() != kFacetRowVersion) return false;
  in.remove_prefix(1);
  uint64_t n = 0;
  if (!ReadString(&in, &row->brand) || !ReadVarint(&in, &n) || n > in.size()) return false;
  row->categories.resize(n);
  for (auto& c : row->categories) {
    if (!ReadString(&in, &c)) return false;
  }
  if (!ReadVarint(&in, &n) || n > in.size()) return false;
  row->attributes.resize(n);
  for (auto& [name, value] : row->attributes) {
    if (!ReadString(&in, &name) || !ReadString(&in, &value)) return false;
  }
  if (!ReadVarint(&in, &n) || n > in.size()) return false;
  row->tags.resize(n);
  for (auto& t : row->tags) {
    if (!ReadString(&in, &t)) return false;
  }
  return in.empty();
}

DocumentBuilder::DocumentBuilder() {
  generator_.set_stemmer(Xapian::Stem("english"));
  // Only the stemmed "Z" terms: queries use nothing else, and the unstemmed
  // copies nearly doubled the postings the single writer must apply (measured:
  // 113 -> 66 postings per demo product, ingest 1.5-2x faster).
  generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
}

PreparedDoc DocumentBuilder::Build(Product p) {
  PreparedDoc out;
  Xapian::Document& doc = out.document;
  generator_.set_document(doc);
  generator_.index_text_without_positions(p.title, kTitleWdf);
  generator_.index_text_without_positions(p.brand, kBrandWdf);
  for (const auto& c : p.categories) generator_.index_text_without_positions(c, kCategoryWdf);
  for (const auto& [name, value] : p.attributes) {
    generator_.index_text_without_positions(value, kAttributeWdf);
  }
  for (const auto& t : p.tags) generator_.index_text_without_positions(t, kTagWdf);
  generator_.index_text_without_positions(p.description, kDescriptionWdf);
  // The generator keeps a handle on the document, whose reference count is
  // not atomic: drop it before the document moves to the writer thread.
  generator_.set_document(Xapian::Document());

  out.id_term = IdTerm(p.id);
  doc.add_boolean_term(out.id_term);
  if (!p.brand.empty()) {
    doc.add_boolean_term(BrandTerm(p.brand));
    doc.add_boolean_term(ExistsTerm("brand"));
  }
  if (!p.categories.empty()) doc.add_boolean_term(ExistsTerm("categories"));
  for (size_t i = 0; i < p.categories.size(); ++i) {
    const int level = static_cast<int>(i);
    doc.add_boolean_term(CategoryTerm(p.categories[i]));
    doc.add_boolean_term(
        LevelTerm(level, CanonicalCategoryPath(CategoryPath(p.categories, level))));
    doc.add_boolean_term(ExistsTerm("categories.lvl" + std::to_string(level)));
  }
  for (const auto& [name, value] : p.attributes) {
    doc.add_boolean_term(AttributeTerm(name, value));
    doc.add_boolean_term(ExistsTerm("attributes." + Lower(name)));
  }
  if (!p.tags.empty()) doc.add_boolean_term(ExistsTerm("tags"));
  for (const auto& t : p.tags) doc.add_boolean_term(TagTerm(t));
  if (!p.description.empty()) doc.add_boolean_term(ExistsTerm("description"));
  if (!p.image_url.empty()) doc.add_boolean_term(ExistsTerm("image"));
  if (p.hidden) doc.add_boolean_term(std::string(kHiddenTerm));

  doc.add_value(kPriceSlot, Xapian::sortable_serialise(p.price));
  doc.add_value(kRatingSlot, Xapian::sortable_serialise(p.rating));
  doc.add_value(kPopularitySlot, Xapian::sortable_serialise(p.popularity));
  doc.add_value(kCreatedAtSlot, Xapian::sortable_serialise(static_cast<double>(p.created_at)));
  doc.add_value(kCostSlot, Xapian::sortable_serialise(p.cost));
  doc.set_data(proto::SerializeProduct(p));

  ColumnRow& row = out.row;
  row.price = p.price;
  row.rating = p.rating;
  row.popularity = p.popularity;
  row.created_at = p.created_at;
  row.cost = p.cost;
  row.hidden = p.hidden;
  row.brand = std::move(p.brand);
  row.categories = std::move(p.categories);
  row.attributes.assign(std::make_move_iterator(p.attributes.begin()),
                        std::make_move_iterator(p.attributes.end()));
  row.tags = std::move(p.tags);
  doc.add_value(kFacetSlot, EncodeFacetRow(row));
  return out;
}

QueryTokenizer::QueryTokenizer() : stemmer_("english") {
  generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
}

std::optional<Xapian::Query> QueryTokenizer::Parse(std::string_view text) {
  Xapian::Document scratch;
  generator_.set_document(scratch);
  generator_.index_text_without_positions(std::string(text));
  generator_.set_document(Xapian::Document());
  std::set<std::string> terms;
  for (auto it = scratch.termlist_begin(); it != scratch.termlist_end(); ++it) {
    const std::string word = *it;
    // As STEM_ALL_Z indexes: every word as "Z" + its stem (a number stems
    // to itself).
    std::string stem = stemmer_(word);
    terms.insert("Z" + (stem.empty() ? word : stem));
  }
  if (terms.empty()) return std::nullopt;
  return Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end());
}

}  // namespace aisle::index::internal
