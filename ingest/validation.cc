// ValidateProduct, ValidateProductId and the patch / dedupe helpers.
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "ingest/product_parser.h"
#include "ingest/validation_internal.h"

namespace aisle::ingest {
namespace internal {

absl::Status FieldError(std::string_view field, std::string_view message) {
  return InvalidArgumentError(absl::StrCat(std::string(field), ": ", std::string(message)), field);
}

}  // namespace internal

namespace {

using internal::FieldError;

bool IsBlank(std::string_view text) {
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

// Length and encoding of one string field.
absl::Status CheckText(std::string_view field, std::string_view value, size_t max_bytes) {
  if (value.size() > max_bytes) {
    return FieldError(field,
                      absl::StrCat("longer than ", max_bytes, " bytes (", value.size(), " bytes)"));
  }
  if (auto bad = FindInvalidUtf8(value)) {
    return FieldError(field, absl::StrCat("invalid UTF-8 at byte ", *bad));
  }
  return absl::OkStatus();
}

absl::Status CheckNonEmptyText(std::string_view field, std::string_view value, size_t max_bytes) {
  if (IsBlank(value)) return FieldError(field, "must not be empty");
  return CheckText(field, value, max_bytes);
}

absl::Status CheckRange(std::string_view field, double value, double min, double max) {
  if (!std::isfinite(value)) return FieldError(field, "must be a finite number");
  if (value < min) return FieldError(field, absl::StrCat("must be >= ", min));
  if (value > max) return FieldError(field, absl::StrCat("must be <= ", max));
  return absl::OkStatus();
}

absl::Status CheckCurrency(std::string_view currency) {
  if (currency.empty()) return absl::OkStatus();
  bool ok = currency.size() == 3;
  for (const char c : currency) ok = ok && c >= 'A' && c <= 'Z';
  if (!ok) return FieldError("currency", "expected an ISO 4217 code such as USD");
  return absl::OkStatus();
}

absl::Status CheckStringList(std::string_view field, const std::vector<std::string>& values,
                             size_t max_count, size_t max_bytes) {
  if (values.size() > max_count) {
    return FieldError(field,
                      absl::StrCat("more than ", max_count, " entries (", values.size(), ")"));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    AISLE_RETURN_IF_ERROR(
        CheckNonEmptyText(absl::StrCat(std::string(field), "[", i, "]"), values[i], max_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckAttributes(const std::map<std::string, std::string>& attributes,
                             const ValidationLimits& limits) {
  if (attributes.size() > limits.max_attributes) {
    return FieldError("attributes", absl::StrCat("more than ", limits.max_attributes,
                                                 " attributes (", attributes.size(), ")"));
  }
  for (const auto& [name, value] : attributes) {
    AISLE_RETURN_IF_ERROR(
        CheckNonEmptyText("attribute name", name, limits.max_attribute_name_bytes));
    // The name is known to be valid UTF-8 and short here, so it may be quoted.
    AISLE_RETURN_IF_ERROR(CheckText(absl::StrCat("attributes[\"", name, "\"]"), value,
                                    limits.max_attribute_value_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckTitle(std::string_view title, const ValidationLimits& limits) {
  if (title.empty()) return FieldError("title", "required");
  return CheckNonEmptyText("title", title, limits.max_title_bytes);
}

}  // namespace

absl::Status ValidateProductId(std::string_view id, const ValidationLimits& limits) {
  if (id.empty()) return FieldError("id", "required");
  if (id.size() > limits.max_id_bytes) {
    return FieldError("id", absl::StrCat("longer than ", limits.max_id_bytes, " bytes"));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) {
      return FieldError("id", absl::StrCat("character at byte ", i,
                                           " is not allowed (allowed: A-Z a-z 0-9 . _ : -)"));
    }
  }
  if (id == "." || id == "..") return FieldError("id", "\".\" and \"..\" are not ids");
  return absl::OkStatus();
}

absl::Status ValidateProduct(const Product& p, const ValidationLimits& limits) {
  AISLE_RETURN_IF_ERROR(ValidateProductId(p.id, limits));
  AISLE_RETURN_IF_ERROR(CheckTitle(p.title, limits));
  AISLE_RETURN_IF_ERROR(CheckText("description", p.description, limits.max_description_bytes));
  AISLE_RETURN_IF_ERROR(CheckText("brand", p.brand, limits.max_brand_bytes));
  AISLE_RETURN_IF_ERROR(CheckStringList("categories", p.categories, limits.max_category_levels,
                                        limits.max_category_bytes));
  AISLE_RETURN_IF_ERROR(CheckAttributes(p.attributes, limits));
  AISLE_RETURN_IF_ERROR(CheckRange("price", p.price, 0, limits.max_price));
  AISLE_RETURN_IF_ERROR(CheckRange("cost", p.cost, 0, limits.max_price));
  AISLE_RETURN_IF_ERROR(CheckCurrency(p.currency));
  AISLE_RETURN_IF_ERROR(CheckText("imageUrl", p.image_url, limits.max_url_bytes));
  AISLE_RETURN_IF_ERROR(CheckRange("rating", p.rating, 0, 5));
  AISLE_RETURN_IF_ERROR(CheckRange("popularity", p.popularity, 0, HUGE_VAL));
  return CheckStringList("tags", p.tags, limits.max_tags, limits.max_tag_bytes);
}

namespace internal {

absl::Status ValidatePatch(const ProductPatch& p, const ValidationLimits& limits) {
  if (p.title) AISLE_RETURN_IF_ERROR(CheckTitle(*p.title, limits));
  if (p.description) {
    AISLE_RETURN_IF_ERROR(CheckText("description", *p.description, limits.max_description_bytes));
  }
  if (p.brand) AISLE_RETURN_IF_ERROR(CheckText("brand", *p.brand, limits.max_brand_bytes));
  if (p.categories) {
    AISLE_RETURN_IF_ERROR(CheckStringList("categories", *p.categories, limits.max_category_levels,
                                          limits.max_category_bytes));
  }
  if (p.attributes) AISLE_RETURN_IF_ERROR(CheckAttributes(*p.attributes, limits));
  if (p.price) AISLE_RETURN_IF_ERROR(CheckRange("price", *p.price, 0, limits.max_price));
  if (p.cost) AISLE_RETURN_IF_ERROR(CheckRange("cost", *p.cost, 0, limits.max_price));
  if (p.currency) AISLE_RETURN_IF_ERROR(CheckCurrency(*p.currency));
  if (p.image_url) {
    AISLE_RETURN_IF_ERROR(CheckText("imageUrl", *p.image_url, limits.max_url_bytes));
  }
  if (p.rating) AISLE_RETURN_IF_ERROR(CheckRange("rating", *p.rating, 0, 5));
  if (p.popularity) AISLE_RETURN_IF_ERROR(CheckRange("popularity", *p.popularity, 0, HUGE_VAL));
  if (p.tags) {
    AISLE_RETURN_IF_ERROR(CheckStringList("tags", *p.tags, limits.max_tags, limits.max_tag_bytes));
  }
  return absl::OkStatus();
}

void KeepLastOfEachId(std::vector<Product>* products) {
  if (products->size() < 2) return;
  // Views into the products' ids: nothing moves until the compaction below.
  std::unordered_map<std::string_view, size_t> last;
  last.reserve(products->size());
  std::vector<bool> keep(products->size(), true);
  bool any_duplicate = false;
  for (size_t i = 0; i < products->size(); ++i) {
    auto [it, inserted] = last.try_emplace((*products)[i].id, i);
    if (!inserted) {
      keep[it->second] = false;
      it->second = i;
      any_duplicate = true;
    }
  }
  if (!any_duplicate) return;
  last.clear();
  size_t out = 0;
  for (size_t i = 0; i < products->size(); ++i) {
    if (!keep[i]) continue;
    if (out != i) (*products)[out] = std::move((*products)[i]);
    ++out;
  }
  products->resize(out);
}

}  // namespace internal
}  // namespace aisle::ingest
