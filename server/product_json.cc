#include "server/product_json.h"

#include <algorithm>

namespace aisle::server {

bool ProductFieldSelection::Wants(std::string_view field) const {
  if (only.empty()) return true;
  return std::any_of(only.begin(), only.end(),
                     [&](const std::string& f) { return f == "*" || f == field; });
}

void WriteProduct(const Product& product, const ProductFieldSelection& selection, JsonWriter* out) {
  out->BeginObject();
  WriteProductFields(product, selection, out);
  out->EndObject();
}

void WriteProductFields(const Product& p, const ProductFieldSelection& sel, JsonWriter* out) {
  auto strings = [&](std::string_view key, const std::vector<std::string>& values) {
    out->Key(key).BeginArray();
    for (const auto& v : values) out->String(v);
    out->EndArray();
  };
  out->Key("id").String(p.id);  // Always: a hit without its id is useless.
  if (sel.Wants("title")) out->Key("title").String(p.title);
  if (sel.Wants("description")) out->Key("description").String(p.description);
  if (sel.Wants("brand")) out->Key("brand").String(p.brand);
  if (sel.Wants("categories")) strings("categories", p.categories);
  if (sel.Wants("attributes")) {
    out->Key("attributes").BeginObject();
    for (const auto& [name, value] : p.attributes) out->Key(name).String(value);
    out->EndObject();
  }
  if (sel.Wants("price")) out->Key("price").Double(p.price);
  if (sel.include_private && sel.Wants("cost")) out->Key("cost").Double(p.cost);
  if (sel.Wants("currency")) out->Key("currency").String(p.currency);
  if (sel.Wants("imageUrl")) out->Key("imageUrl").String(p.image_url);
  if (sel.Wants("rating")) out->Key("rating").Double(p.rating);
  if (sel.Wants("popularity")) out->Key("popularity").Double(p.popularity);
  if (sel.Wants("createdAt")) out->Key("createdAt").Int(p.created_at);
  if (sel.Wants("tags")) strings("tags", p.tags);
  if (sel.Wants("hidden")) out->Key("hidden").Bool(p.hidden);
}

}  // namespace aisle::server
