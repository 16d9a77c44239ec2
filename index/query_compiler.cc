#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "index/query_compiler_internal.h"

namespace aisle::index::internal {
namespace {

constexpr std::string_view kLevelFieldPrefix = "categories.lvl";
constexpr int kEstimateSamples = 256;

// A filter field resolved against the catalog.
struct Field {
  enum class Kind { kId, kBrand, kCategory, kLevel, kTags, kAttribute, kNumeric, kInStock };
  Kind kind = Kind::kId;
  int level = 0;                                // kLevel
  NumericField numeric = NumericField::kPrice;  // kNumeric
  std::string attribute;                        // kAttribute: lowercased name
};

const char* OpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

absl::Status FilterError(const FilterNode& node, const std::string& message) {
  return InvalidArgumentError(absl::StrCat(message, " at position ", node.position), "filter",
                              node.position);
}

absl::StatusOr<Field> ResolveField(const FilterNode& node, const CatalogColumns& columns) {
  const std::string& name = node.field;
  Field field;
  if (name == "id") {
    field.kind = Field::Kind::kId;
  } else if (name == "brand") {
    field.kind = Field::Kind::kBrand;
  } else if (name == "category") {
    field.kind = Field::Kind::kCategory;
  } else if (name.size() == kLevelFieldPrefix.size() + 1 &&
             name.compare(0, kLevelFieldPrefix.size(), kLevelFieldPrefix) == 0 &&
             name.back() >= '0' && name.back() < '0' + kCategoryLevels) {
    field.kind = Field::Kind::kLevel;
    field.level = name.back() - '0';
  } else if (name == "tags") {
    field.kind = Field::Kind::kTags;
  } else if (name == "price" || name == "rating" || name == "popularity" || name == "createdAt" ||
             name == "stock") {
    field.kind = Field::Kind::kNumeric;
    field.numeric = name == "price"        ? NumericField::kPrice
                    : name == "rating"     ? NumericField::kRating
                    : name == "popularity" ? NumericField::kPopularity
                    : name == "stock"      ? NumericField::kStock
                                           : NumericField::kCreatedAt;
  } else if (name == "inStock") {
    field.kind = Field::Kind::kInStock;
  } else if (const AttributeColumn* column = columns.FindAttribute(name)) {
    field.kind = Field::Kind::kAttribute;
    field.attribute = Lower(column->display_name);
  } else {
    return FilterError(node, absl::StrCat("unknown filter attribute '", name,
                                          "'; filterable: id, brand, category, "
                                          "categories.lvl0..categories.lvl4, tags, price, rating, "
                                          "popularity, createdAt, stock, inStock and attribute "
                                          "names"));
  }
  return field;
}

absl::StatusOr<double> ParseNumber(const FilterNode& node, const std::string& literal) {
  std::string_view text = literal;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || std::isnan(value)) {
    return FilterError(
        node, absl::StrCat("'", node.field, "' is numeric but '", literal, "' is not a number"));
  }
  return value;
}

std::string StringTerm(const Field& field, const std::string& value) {
  switch (field.kind) {
    case Field::Kind::kId:
      return IdTerm(value);
    case Field::Kind::kBrand:
      return BrandTerm(value);
    case Field::Kind::kCategory:
      return CategoryTerm(value);
    case Field::Kind::kLevel:
      return LevelTerm(field.level, CanonicalCategoryPath(value));
    case Field::Kind::kTags:
      return TagTerm(value);
    case Field::Kind::kAttribute:
      return AttributeTerm(field.attribute, value);
    case Field::Kind::kNumeric:
    case Field::Kind::kInStock:
      break;
  }
  return std::string();
}

Xapian::Query ExistsQuery(const Field& field) {
  switch (field.kind) {
    case Field::Kind::kBrand:
      return Xapian::Query(ExistsTerm("brand"));
    case Field::Kind::kCategory:
      return Xapian::Query(ExistsTerm("categories"));
    case Field::Kind::kLevel:
      return Xapian::Query(ExistsTerm("categories.lvl" + std::to_string(field.level)));
    case Field::Kind::kTags:
      return Xapian::Query(ExistsTerm("tags"));
    case Field::Kind::kAttribute:
      return Xapian::Query(ExistsTerm("attributes." + field.attribute));
    case Field::Kind::kId:
    case Field::Kind::kNumeric:
    case Field::Kind::kInStock:
      break;  // Every product has an id and every number.
  }
  return MatchAllQuery();
}

Xapian::Query Not(const Xapian::Query& query) {
  return Xapian::Query(Xapian::Query::OP_AND_NOT, MatchAllQuery(), query);
}

Xapian::Query SourceQuery(const CatalogColumns& columns, NumericField field,
                          NumericPredicate predicate) {
  auto* source = new ColumnSource(&columns, field, std::move(predicate));
  return Xapian::Query(source->release());
}

NumericPredicate CompareToPredicate(CompareOp op, double value) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  NumericPredicate p;
  switch (op) {
    case CompareOp::kEq:
      p.low = p.high = value;
      break;
    case CompareOp::kNe:
      p.kind = NumericPredicate::Kind::kNotEqual;
      p.value = value;
      break;
    case CompareOp::kLt:
    case CompareOp::kLe:
      p.low = -kInf;
      p.high = value;
      p.high_inclusive = op == CompareOp::kLe;
      break;
    case CompareOp::kGt:
    case CompareOp::kGe:
      p.low = value;
      p.high = kInf;
      p.low_inclusive = op == CompareOp::kGe;
      break;
  }
  return p;
}

// inStock = true|false (or !=): in stock means stock > 0, and a product whose
// stock was never reported counts as in stock (kStockUnknown).
absl::StatusOr<Xapian::Query> CompileInStock(const FilterNode& node, const CatalogColumns& columns) {
  const std::string& value = node.values[0];
  if ((node.op != CompareOp::kEq && node.op != CompareOp::kNe) ||
      (value != "true" && value != "false")) {
    return FilterError(node, "inStock takes '= true', '= false' or '!='");
  }
  const bool want_in_stock = (value == "true") == (node.op == CompareOp::kEq);
  return SourceQuery(columns, NumericField::kStock,
                     CompareToPredicate(want_in_stock ? CompareOp::kGt : CompareOp::kLe, 0));
}

absl::StatusOr<Xapian::Query> CompileCompare(const FilterNode& node, const Field& field,
                                             const CatalogColumns& columns) {
  if (field.kind == Field::Kind::kInStock) return CompileInStock(node, columns);
  if (field.kind == Field::Kind::kNumeric) {
    AISLE_ASSIGN_OR_RETURN(const double value, ParseNumber(node, node.values[0]));
    return SourceQuery(columns, field.numeric, CompareToPredicate(node.op, value));
  }
  const Xapian::Query term(StringTerm(field, node.values[0]));
  if (node.op == CompareOp::kEq) return term;
  if (node.op == CompareOp::kNe) return Not(term);
  return FilterError(node, absl::StrCat("operator '", OpName(node.op), "' needs a numeric field; '",
                                        node.field, "' is not numeric"));
}

absl::StatusOr<Xapian::Query> CompileLeaf(const FilterNode& node, const CatalogColumns& columns) {
  const size_t arity = node.kind == FilterNode::Kind::kCompare ? 1
                       : node.kind == FilterNode::Kind::kRange ? 2
                                                               : 0;
  if (node.kind != FilterNode::Kind::kIn && node.values.size() != arity) {
    return FilterError(node, absl::StrCat("malformed clause on '", node.field, "': expected ",
                                          arity, " value(s), got ", node.values.size()));
  }
  AISLE_ASSIGN_OR_RETURN(const Field field, ResolveField(node, columns));
  switch (node.kind) {
    case FilterNode::Kind::kCompare:
      return CompileCompare(node, field, columns);
    case FilterNode::Kind::kRange: {
      if (field.kind == Field::Kind::kInStock) return FilterError(node, "inStock is true or false");
      if (field.kind != Field::Kind::kNumeric) {
        return FilterError(
            node, absl::StrCat("TO needs a numeric field; '", node.field, "' is not numeric"));
      }
      NumericPredicate p;
      AISLE_ASSIGN_OR_RETURN(p.low, ParseNumber(node, node.values[0]));
      AISLE_ASSIGN_OR_RETURN(p.high, ParseNumber(node, node.values[1]));
      return SourceQuery(columns, field.numeric, std::move(p));
    }
    case FilterNode::Kind::kIn: {
      if (field.kind == Field::Kind::kInStock) return FilterError(node, "inStock is true or false");
      if (field.kind == Field::Kind::kNumeric) {
        NumericPredicate p;
        p.kind = NumericPredicate::Kind::kAnyOf;
        for (const auto& literal : node.values) {
          AISLE_ASSIGN_OR_RETURN(const double value, ParseNumber(node, literal));
          p.values.push_back(value);
        }
        std::sort(p.values.begin(), p.values.end());
        return SourceQuery(columns, field.numeric, std::move(p));
      }
      std::vector<std::string> terms;
      for (const auto& value : node.values) terms.push_back(StringTerm(field, value));
      if (terms.empty()) return Xapian::Query();  // Matches nothing.
      return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
    }
    default:  // kExists
      return ExistsQuery(field);
  }
}

void AppendSortable(double value, bool descending, std::string* key) {
  if (value == 0) value = 0;  // -0.0 sorts with 0.0.
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  bits = (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
  if (descending) bits = ~bits;
  for (int shift = 56; shift >= 0; shift -= 8) key->push_back(static_cast<char>(bits >> shift));
}

double ColumnValue(const CatalogColumns& columns, NumericField field, uint32_t docid) {
  if (NumericReader::IsInt(field)) return static_cast<double>(columns.int_column(field).Get(docid));
  return columns.double_column(field).Get(docid);
}

}  // namespace

bool NumericPredicate::Matches(double v) const {
  switch (kind) {
    case Kind::kRange:
      return (low_inclusive ? v >= low : v > low) && (high_inclusive ? v <= high : v < high);
    case Kind::kNotEqual:
      return v != value;
    case Kind::kAnyOf:
      return std::binary_search(values.begin(), values.end(), v);
  }
  return false;
}

ColumnSource::ColumnSource(const CatalogColumns* columns, NumericField field,
                           NumericPredicate predicate)
    : columns_(columns),
      field_(field),
      predicate_(std::move(predicate)),
      values_(*columns, field),
      live_(&columns->live()) {}

void ColumnSource::init(const Xapian::Database& db) {
  current_ = 0;
  at_end_ = false;
  checked_miss_ = false;
  last_ = db.get_lastdocid();
  doccount_ = db.get_doccount();
  EstimateFrequency();
}

bool ColumnSource::Accepts(Xapian::docid did) {
  return live_.Get(did) != 0 && predicate_.Matches(values_.Get(did));
}

void ColumnSource::EstimateFrequency() {
  // Xapian orders AND/OR branches by frequency: sample the column evenly.
  if (last_ == 0 || doccount_ == 0) {
    estimate_ = 0;
    return;
  }
  const uint64_t samples = std::min<uint64_t>(kEstimateSamples, last_);
  uint64_t live = 0;
  uint64_t matched = 0;
  for (uint64_t i = 0; i < samples; ++i) {
    const auto did = static_cast<Xapian::docid>(1 + i * last_ / samples);
    if (live_.Get(did) == 0) continue;
    ++live;
    if (predicate_.Matches(values_.Get(did))) ++matched;
  }
  estimate_ = live == 0 ? 0 : static_cast<Xapian::doccount>(doccount_ * matched / live);
}

void ColumnSource::next(double) {
  checked_miss_ = false;
  for (Xapian::docid did = current_ + 1; did != 0 && did <= last_; ++did) {
    if (Accepts(did)) {
      current_ = did;
      return;
    }
  }
  current_ = last_;
  at_end_ = true;
}

void ColumnSource::skip_to(Xapian::docid did, double min_wt) {
  if (at_end_ || (did <= current_ && !checked_miss_)) return;
  if (did > current_) current_ = did - 1;
  next(min_wt);
}

bool ColumnSource::check(Xapian::docid did, double min_wt) {
  if (at_end_ || did <= current_) {
    skip_to(did, min_wt);
    return true;
  }
  if (did > last_) {
    current_ = last_;
    at_end_ = true;
    return true;
  }
  // Cheaper than skip_to: say whether did matches; on a miss the position is
  // "did, not matching" and next() continues after it.
  current_ = did;
  checked_miss_ = !Accepts(did);
  return !checked_miss_;
}

ColumnSource* ColumnSource::clone() const { return new ColumnSource(columns_, field_, predicate_); }

std::string ColumnSource::get_description() const {
  return absl::StrCat("aisle.ColumnSource(field ", static_cast<int>(field_), ")");
}

ColumnKeyMaker::ColumnKeyMaker(const CatalogColumns* columns,
                               std::vector<std::pair<NumericField, bool>> fields)
    : columns_(columns), fields_(std::move(fields)) {}

std::string ColumnKeyMaker::operator()(const Xapian::Document& doc) const {
  const Xapian::docid did = doc.get_docid();  // Lazy document: no data read.
  std::string key;
  key.reserve(fields_.size() * 8);
  for (const auto& [field, descending] : fields_) {
    AppendSortable(ColumnValue(*columns_, field, did), descending, &key);
  }
  return key;
}

absl::StatusOr<Xapian::Query> CompileFilter(const FilterNode& node, const CatalogColumns& columns) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
    case FilterNode::Kind::kOr: {
      if (node.children.empty()) return FilterError(node, "AND/OR without operands");
      std::vector<Xapian::Query> parts;
      for (const auto& child : node.children) {
        AISLE_ASSIGN_OR_RETURN(Xapian::Query part, CompileFilter(child, columns));
        parts.push_back(std::move(part));
      }
      const auto op =
          node.kind == FilterNode::Kind::kAnd ? Xapian::Query::OP_AND : Xapian::Query::OP_OR;
      return Xapian::Query(op, parts.begin(), parts.end());
    }
    case FilterNode::Kind::kNot: {
      if (node.children.size() != 1) return FilterError(node, "NOT needs exactly one operand");
      AISLE_ASSIGN_OR_RETURN(Xapian::Query child, CompileFilter(node.children[0], columns));
      return Not(child);
    }
    default:
      return CompileLeaf(node, columns);
  }
}

std::optional<NumericField> SortColumn(SortField field) {
  switch (field) {
    case SortField::kPrice:
      return NumericField::kPrice;
    case SortField::kRating:
      return NumericField::kRating;
    case SortField::kCreatedAt:
      return NumericField::kCreatedAt;
    case SortField::kPopularity:
      return NumericField::kPopularity;
    case SortField::kRelevance:
      break;
  }
  return std::nullopt;
}

}  // namespace aisle::index::internal
