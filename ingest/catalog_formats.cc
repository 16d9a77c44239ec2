// Row mappings of the BigBasket and Flipkart CSV catalogs.
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ingest/catalog_formats_internal.h"
#include "ingest/datetime_internal.h"
#include "ingest/flipkart_fields.h"
#include "ingest/validation_internal.h"

namespace aisle::ingest::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A column of the header, found by name (trimmed, case-insensitive).
struct Column {
  std::string_view name;
  int index = -1;
};

Column Find(const std::vector<std::string>& header, std::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (EqualsIgnoreCase(Trim(header[i]), name)) return Column{name, static_cast<int>(i)};
  }
  return Column{name, -1};
}

absl::Status Require(const Column& column, std::string_view format) {
  if (column.index >= 0) return absl::OkStatus();
  return InvalidArgumentError(absl::StrCat(std::string(format), " CSV: no \"",
                                           std::string(column.name), "\" column in the header"),
                              "header");
}

// The trimmed text of `column` in the row ("" when the column is absent).
std::string_view Get(const std::vector<std::string>& fields, const Column& column) {
  if (column.index < 0 || static_cast<size_t>(column.index) >= fields.size()) return {};
  return Trim(fields[static_cast<size_t>(column.index)]);
}

absl::Status ParseNumber(const Column& column, std::string_view text, double* out) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return FieldError(column.name, absl::StrCat("expected a number, found \"",
                                                std::string(text.substr(0, 40)), "\""));
  }
  *out = value;
  return absl::OkStatus();
}

// "mrp" and the "sale" tag from a list (market / retail) price.
absl::Status AddListPrice(const Column& column, std::string_view text, Product* p) {
  if (text.empty()) return absl::OkStatus();
  double list_price = 0;
  AISLE_RETURN_IF_ERROR(ParseNumber(column, text, &list_price));
  p->attributes["mrp"] = std::string(text);
  if (p->price < list_price) p->tags.push_back("sale");
  return absl::OkStatus();
}

struct BigBasketColumns {
  Column index, product, category, sub_category, brand, sale_price, market_price, type, rating,
      description;
};

absl::Status MapBigBasket(const BigBasketColumns& c, const std::vector<std::string>& f,
                          Product* p) {
  const std::string_view index = Get(f, c.index);
  if (index.empty()) return FieldError("index", "empty");
  p->id = absl::StrCat("bb-", std::string(index));
  p->title = Get(f, c.product);
  for (const Column* level : {&c.category, &c.sub_category, &c.type}) {
    if (!Get(f, *level).empty()) p->categories.emplace_back(Get(f, *level));
  }
  p->brand = Get(f, c.brand);
  AISLE_RETURN_IF_ERROR(ParseNumber(c.sale_price, Get(f, c.sale_price), &p->price));
  AISLE_RETURN_IF_ERROR(AddListPrice(c.market_price, Get(f, c.market_price), p));
  if (!Get(f, c.rating).empty()) {
    AISLE_RETURN_IF_ERROR(ParseNumber(c.rating, Get(f, c.rating), &p->rating));
  }
  p->description = Get(f, c.description);
  p->currency = "INR";
  return absl::OkStatus();
}

struct FlipkartColumns {
  Column uniq_id, crawl_timestamp, product_name, product_category_tree, retail_price,
      discounted_price, image, description, product_rating, brand, product_specifications;
};

// Specifications become attributes: first key wins; entries whose name or
// value would break a limit are skipped (facets, not the row, lose them).
void AddSpecifications(std::string_view text, const ValidationLimits& limits, Product* p) {
  for (auto& [key, value] : ParseSpecifications(text)) {
    if (p->attributes.size() >= limits.max_attributes) break;
    std::string name = NormalizeAttributeName(key);
    const std::string_view trimmed = Trim(value);
    if (name.empty() || name.size() > limits.max_attribute_name_bytes || trimmed.empty() ||
        trimmed.size() > limits.max_attribute_value_bytes) {
      continue;
    }
    p->attributes.emplace(std::move(name), std::string(trimmed));
  }
}

absl::Status MapFlipkart(const FlipkartColumns& c, const ValidationLimits& limits,
                         const std::vector<std::string>& f, Product* p) {
  p->id = Get(f, c.uniq_id);
  p->title = Get(f, c.product_name);
  p->brand = Get(f, c.brand);
  p->categories = ParseCategoryTree(Get(f, c.product_category_tree));
  DropProductSpecificLevels(p->title, p->brand, &p->categories);
  const std::string_view discounted = Get(f, c.discounted_price);
  const std::string_view retail = Get(f, c.retail_price);
  if (discounted.empty() && retail.empty()) return FieldError("discounted_price", "empty");
  AISLE_RETURN_IF_ERROR(discounted.empty()
                            ? ParseNumber(c.retail_price, retail, &p->price)
                            : ParseNumber(c.discounted_price, discounted, &p->price));
  AISLE_RETURN_IF_ERROR(AddListPrice(c.retail_price, retail, p));
  for (std::string& url : ParseQuotedList(Get(f, c.image))) {
    if (Trim(url).empty()) continue;
    p->image_url = Trim(url);
    break;
  }
  p->description = Get(f, c.description);
  // "No rating available" and other text mean unrated.
  double rating = 0;
  if (ParseNumber(c.product_rating, Get(f, c.product_rating), &rating).ok()) p->rating = rating;
  AddSpecifications(Get(f, c.product_specifications), limits, p);
  p->created_at = ParseIsoDateTime(Get(f, c.crawl_timestamp)).value_or(0);
  p->currency = "INR";
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RowMapper> BigBasketRowMapper(const std::vector<std::string>& h,
                                             const ValidationLimits& limits) {
  BigBasketColumns c{Find(h, "index"),        Find(h, "product"), Find(h, "category"),
                     Find(h, "sub_category"), Find(h, "brand"),   Find(h, "sale_price"),
                     Find(h, "market_price"), Find(h, "type"),    Find(h, "rating"),
                     Find(h, "description")};
  for (const Column* required : {&c.index, &c.product, &c.sale_price}) {
    AISLE_RETURN_IF_ERROR(Require(*required, "BigBasket"));
  }
  return RowMapper([c](const std::vector<std::string>& fields, Product* p) {
    return MapBigBasket(c, fields, p);
  });
}

absl::StatusOr<RowMapper> FlipkartRowMapper(const std::vector<std::string>& h,
                                            const ValidationLimits& limits) {
  FlipkartColumns c{Find(h, "uniq_id"),
                    Find(h, "crawl_timestamp"),
                    Find(h, "product_name"),
                    Find(h, "product_category_tree"),
                    Find(h, "retail_price"),
                    Find(h, "discounted_price"),
                    Find(h, "image"),
                    Find(h, "description"),
                    Find(h, "product_rating"),
                    Find(h, "brand"),
                    Find(h, "product_specifications")};
  for (const Column* required : {&c.uniq_id, &c.product_name, &c.discounted_price}) {
    AISLE_RETURN_IF_ERROR(Require(*required, "Flipkart"));
  }
  return RowMapper([c, limits](const std::vector<std::string>& fields, Product* p) {
    return MapFlipkart(c, limits, fields, p);
  });
}

}  // namespace aisle::ingest::internal
