// Field-level decoding of product and patch objects (simdjson On Demand).
// Error codes, not exceptions: a value of the wrong type is a per-document
// reason, a structural error ends the document.
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ingest/datetime_internal.h"
#include "ingest/json_internal.h"

namespace aisle::ingest::internal {
namespace {

namespace sj = simdjson;
namespace od = simdjson::ondemand;

// Errors confined to one value: the iterator can move on past it.
bool IsValueError(sj::error_code e) {
  switch (e) {
    case sj::INCORRECT_TYPE:
    case sj::NUMBER_ERROR:
    case sj::NUMBER_OUT_OF_RANGE:
    case sj::STRING_ERROR:
    case sj::T_ATOM_ERROR:
    case sj::F_ATOM_ERROR:
    case sj::N_ATOM_ERROR:
    case sj::UNESCAPED_CHARS:
      return true;
    default:
      return false;
  }
}

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Reads typed values for one key; the first failure becomes `*reason`.
// Each method returns SUCCESS, a value error (reason set) or a fatal error.
class ValueReader {
 public:
  ValueReader(std::string_view key, std::string* reason) : key_(key), reason_(reason) {}

  sj::error_code String(od::value& v, std::string* out) {
    std::string_view s;
    const sj::error_code e = v.get_string().get(s);
    if (e) return Translate(e, "expected a string");
    out->assign(s);
    return sj::SUCCESS;
  }

  sj::error_code Number(od::value& v, double* out) {
    return Translate(v.get_double().get(*out), "expected a number");
  }

  sj::error_code Bool(od::value& v, bool* out) {
    return Translate(v.get_bool().get(*out), "expected true or false");
  }

  sj::error_code Id(od::value& v, std::string* out) {
    std::string_view s;
    sj::error_code e = v.get_string().get(s);
    if (e == sj::SUCCESS) {
      out->assign(s);
      return e;
    }
    if (e != sj::INCORRECT_TYPE) return Translate(e, "expected a string");
    int64_t signed_id;
    if (v.get_int64().get(signed_id) == sj::SUCCESS) {
      *out = std::to_string(signed_id);
      return sj::SUCCESS;
    }
    uint64_t unsigned_id;
    if (v.get_uint64().get(unsigned_id) == sj::SUCCESS) {
      *out = std::to_string(unsigned_id);
      return sj::SUCCESS;
    }
    return Fail("expected a string or an integer");
  }

  sj::error_code StringList(od::value& v, std::vector<std::string>* out);
  sj::error_code Categories(od::value& v, std::vector<std::string>* out);
  sj::error_code Attributes(od::value& v, std::map<std::string, std::string>* out);
  sj::error_code Timestamp(od::value& v, int64_t* out);

  sj::error_code Fail(std::string_view what) {
    if (reason_->empty()) *reason_ = absl::StrCat(std::string(key_), ": ", std::string(what));
    return sj::INCORRECT_TYPE;
  }

 private:
  // Turns a value error into a reason; passes fatal errors through.
  sj::error_code Translate(sj::error_code e, std::string_view expected) {
    if (e == sj::SUCCESS || !IsValueError(e)) return e;
    if (e == sj::NUMBER_ERROR || e == sj::NUMBER_OUT_OF_RANGE) {
      return Fail("invalid or out-of-range number");
    }
    if (e == sj::STRING_ERROR || e == sj::UNESCAPED_CHARS) return Fail("invalid JSON string");
    return Fail(expected);
  }

  std::string_view key_;
  std::string* reason_;
};

sj::error_code ValueReader::StringList(od::value& v, std::vector<std::string>* out) {
  od::array array;
  sj::error_code e = v.get_array().get(array);
  if (e) return Translate(e, "expected an array of strings");
  out->clear();
  for (auto element_result : array) {
    od::value element;
    if ((e = element_result.get(element))) return e;
    std::string_view s;
    if ((e = element.get_string().get(s))) return Translate(e, "expected an array of strings");
    out->emplace_back(s);
  }
  return sj::SUCCESS;
}

// An array of levels, or one "A > B > C" string.
sj::error_code ValueReader::Categories(od::value& v, std::vector<std::string>* out) {
  std::string_view path;
  const sj::error_code e = v.get_string().get(path);
  if (e != sj::SUCCESS && e != sj::INCORRECT_TYPE) return Translate(e, "expected a string");
  if (e == sj::INCORRECT_TYPE) return StringList(v, out);
  out->clear();
  while (true) {
    const size_t cut = path.find(" > ");
    const std::string_view level = Trim(path.substr(0, cut));
    if (!level.empty()) out->emplace_back(level);
    if (cut == std::string_view::npos) break;
    path.remove_prefix(cut + 3);
  }
  return sj::SUCCESS;
}

sj::error_code ValueReader::Attributes(od::value& v, std::map<std::string, std::string>* out) {
  od::object object;
  sj::error_code e = v.get_object().get(object);
  if (e) return Translate(e, "expected an object of string values");
  out->clear();
  for (auto field_result : object) {
    od::field field;
    if ((e = std::move(field_result).get(field))) return e;
    std::string_view name;
    if ((e = field.unescaped_key().get(name))) return e;
    od::value& value = field.value();
    bool is_null = false;
    if (value.is_null().get(is_null) == sj::SUCCESS && is_null) continue;
    std::string_view text;
    e = value.get_string().get(text);
    if (e == sj::INCORRECT_TYPE) {
      // Numbers and booleans keep their JSON spelling ("256", "1.5e3", "true").
      text = Trim(value.raw_json_token());
      double number;
      bool flag;
      e = value.get_double().get(number);
      if (e == sj::INCORRECT_TYPE) e = value.get_bool().get(flag);
    }
    if (e) {
      if (!IsValueError(e)) return e;
      return Fail(absl::StrCat("value of \"", std::string(name),
                               "\": expected a string, number or boolean"));
    }
    out->insert_or_assign(std::string(name), std::string(text));
  }
  return sj::SUCCESS;
}

sj::error_code ValueReader::Timestamp(od::value& v, int64_t* out) {
  constexpr std::string_view kExpected =
      "expected integer Unix seconds or an ISO-8601 date-time string";
  sj::error_code e = v.get_int64().get(*out);
  if (e == sj::SUCCESS || !IsValueError(e)) return e;
  std::string_view text;
  e = v.get_string().get(text);
  if (e) return Translate(e, kExpected);
  const auto seconds = ParseIsoDateTime(text);
  if (!seconds) return Fail(kExpected);
  *out = *seconds;
  return sj::SUCCESS;
}

sj::error_code DecodeValue(ProductField which, od::value& v, ValueReader& r, Product* p) {
  switch (which) {
    case ProductField::kId:
      return r.Id(v, &p->id);
    case ProductField::kTitle:
      return r.String(v, &p->title);
    case ProductField::kDescription:
      return r.String(v, &p->description);
    case ProductField::kBrand:
      return r.String(v, &p->brand);
    case ProductField::kCategories:
      return r.Categories(v, &p->categories);
    case ProductField::kAttributes:
      return r.Attributes(v, &p->attributes);
    case ProductField::kPrice:
      return r.Number(v, &p->price);
    case ProductField::kCost:
      return r.Number(v, &p->cost);
    case ProductField::kCurrency:
      return r.String(v, &p->currency);
    case ProductField::kImageUrl:
      return r.String(v, &p->image_url);
    case ProductField::kRating:
      return r.Number(v, &p->rating);
    case ProductField::kPopularity:
      return r.Number(v, &p->popularity);
    case ProductField::kCreatedAt:
      return r.Timestamp(v, &p->created_at);
    case ProductField::kTags:
      return r.StringList(v, &p->tags);
    case ProductField::kHidden:
      return r.Bool(v, &p->hidden);
    case ProductField::kUnknown:
      break;
  }
  return sj::SUCCESS;
}

// Moves field `which` of `from` into the patch (null: the empty value).
void SetPatchField(ProductField which, Product&& from, ProductPatch* patch) {
  switch (which) {
    case ProductField::kTitle:
      patch->title = std::move(from.title);
      break;
    case ProductField::kDescription:
      patch->description = std::move(from.description);
      break;
    case ProductField::kBrand:
      patch->brand = std::move(from.brand);
      break;
    case ProductField::kCategories:
      patch->categories = std::move(from.categories);
      break;
    case ProductField::kAttributes:
      patch->attributes = std::move(from.attributes);
      break;
    case ProductField::kPrice:
      patch->price = from.price;
      break;
    case ProductField::kCost:
      patch->cost = from.cost;
      break;
    case ProductField::kCurrency:
      patch->currency = std::move(from.currency);
      break;
    case ProductField::kImageUrl:
      patch->image_url = std::move(from.image_url);
      break;
    case ProductField::kRating:
      patch->rating = from.rating;
      break;
    case ProductField::kPopularity:
      patch->popularity = from.popularity;
      break;
    case ProductField::kCreatedAt:
      patch->created_at = from.created_at;
      break;
    case ProductField::kTags:
      patch->tags = std::move(from.tags);
      break;
    case ProductField::kHidden:
      patch->hidden = from.hidden;
      break;
    case ProductField::kId:
    case ProductField::kUnknown:
      break;
  }
}

// The field of an object at the iterator: its key and value, or a fatal error.
sj::error_code NextField(sj::simdjson_result<od::field> result, od::field* field,
                         std::string_view* key) {
  if (sj::error_code e = std::move(result).get(*field)) return e;
  return field->unescaped_key().get(*key);
}

}  // namespace

ProductField AisleField(std::string_view key) {
  switch (key.size()) {
    case 2:
      return key == "id" ? ProductField::kId : ProductField::kUnknown;
    case 4:
      return key == "cost"   ? ProductField::kCost
             : key == "tags" ? ProductField::kTags
                             : ProductField::kUnknown;
    case 5:
      return key == "title"   ? ProductField::kTitle
             : key == "brand" ? ProductField::kBrand
             : key == "price" ? ProductField::kPrice
                              : ProductField::kUnknown;
    case 6:
      return key == "rating"   ? ProductField::kRating
             : key == "hidden" ? ProductField::kHidden
                               : ProductField::kUnknown;
    case 8:
      return key == "currency"   ? ProductField::kCurrency
             : key == "imageUrl" ? ProductField::kImageUrl
                                 : ProductField::kUnknown;
    case 9:
      return key == "createdAt" ? ProductField::kCreatedAt : ProductField::kUnknown;
    case 10:
      return key == "categories"   ? ProductField::kCategories
             : key == "attributes" ? ProductField::kAttributes
             : key == "popularity" ? ProductField::kPopularity
                                   : ProductField::kUnknown;
    case 11:
      return key == "description" ? ProductField::kDescription : ProductField::kUnknown;
    default:
      return ProductField::kUnknown;
  }
}

ProductField BestBuyField(std::string_view key) {
  if (key == "name") return ProductField::kTitle;
  if (key == "image") return ProductField::kImageUrl;
  if (key == "description" || key == "brand" || key == "categories" || key == "price" ||
      key == "popularity") {
    return AisleField(key);
  }
  return ProductField::kUnknown;
}

DecodeResult DecodeProduct(od::object& object, FieldLookup lookup, Product* product) {
  DecodeResult result;
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if ((result.fatal = NextField(std::move(field_result), &field, &key))) return result;
    const ProductField which = lookup(key);
    if (which == ProductField::kUnknown) continue;
    // After a field error only the id is still of interest (to name the rejection).
    if (!result.reason.empty() && which != ProductField::kId) continue;
    od::value& value = field.value();
    bool is_null = false;
    if (value.is_null().get(is_null) == sj::SUCCESS && is_null) continue;
    const bool had_reason = !result.reason.empty();
    ValueReader reader(key, &result.reason);
    const sj::error_code e = DecodeValue(which, value, reader, product);
    if (e && !IsValueError(e)) {
      result.fatal = e;
      return result;
    }
    if (!had_reason && !result.reason.empty()) result.field = std::string(key);
  }
  return result;
}

DecodeResult DecodePatch(od::object& object, ProductPatch* patch) {
  DecodeResult result;
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if ((result.fatal = NextField(std::move(field_result), &field, &key))) return result;
    const ProductField which = AisleField(key);
    ValueReader reader(key, &result.reason);
    result.field = std::string(key);
    if (which == ProductField::kUnknown) {
      result.reason = absl::StrCat("unknown field \"", result.field, "\"");
      return result;
    }
    if (which == ProductField::kId) {
      reader.Fail("cannot be changed by a patch (the id comes from the URL)");
      return result;
    }
    od::value& value = field.value();
    bool is_null = false;
    if (value.is_null().get(is_null) == sj::SUCCESS && is_null) {
      if (which == ProductField::kTitle) {
        reader.Fail("cannot be null");
        return result;
      }
      SetPatchField(which, Product{}, patch);
      continue;
    }
    Product scratch;
    const sj::error_code e = DecodeValue(which, value, reader, &scratch);
    if (e && !IsValueError(e)) result.fatal = e;
    if (e) return result;
    SetPatchField(which, std::move(scratch), patch);
  }
  result.field.clear();
  return result;
}

}  // namespace aisle::ingest::internal
