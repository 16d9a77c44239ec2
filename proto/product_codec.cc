#include "proto/product_codec.h"

namespace aisle::proto {
namespace {

std::vector<std::string> ToVector(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}

}  // namespace

void ToProto(const Product& p, pb::Product* out) {
  out->Clear();
  out->set_id(p.id);
  out->set_title(p.title);
  out->set_description(p.description);
  out->set_brand(p.brand);
  for (const auto& c : p.categories) out->add_categories(c);
  for (const auto& [k, v] : p.attributes) (*out->mutable_attributes())[k] = v;
  out->set_price(p.price);
  out->set_cost(p.cost);
  out->set_currency(p.currency);
  out->set_image_url(p.image_url);
  out->set_rating(p.rating);
  out->set_popularity(p.popularity);
  out->set_created_at(p.created_at);
  for (const auto& t : p.tags) out->add_tags(t);
  out->set_hidden(p.hidden);
}

Product FromProto(const pb::Product& in) {
  Product p;
  p.id = in.id();
  p.title = in.title();
  p.description = in.description();
  p.brand = in.brand();
  p.categories = ToVector(in.categories());
  p.attributes = {in.attributes().begin(), in.attributes().end()};
  p.price = in.price();
  p.cost = in.cost();
  p.currency = in.currency();
  p.image_url = in.image_url();
  p.rating = in.rating();
  p.popularity = in.popularity();
  p.created_at = in.created_at();
  p.tags = ToVector(in.tags());
  p.hidden = in.hidden();
  return p;
}

ProductPatch FromProto(const pb::ProductPatch& in) {
  ProductPatch patch;
  if (in.has_title()) patch.title = in.title();
  if (in.has_description()) patch.description = in.description();
  if (in.has_brand()) patch.brand = in.brand();
  if (in.has_categories()) patch.categories = ToVector(in.categories().values());
  if (in.has_attributes()) {
    patch.attributes.emplace(in.attributes().entries().begin(), in.attributes().entries().end());
  }
  if (in.has_price()) patch.price = in.price();
  if (in.has_cost()) patch.cost = in.cost();
  if (in.has_currency()) patch.currency = in.currency();
  if (in.has_image_url()) patch.image_url = in.image_url();
  if (in.has_rating()) patch.rating = in.rating();
  if (in.has_popularity()) patch.popularity = in.popularity();
  if (in.has_created_at()) patch.created_at = in.created_at();
  if (in.has_tags()) patch.tags = ToVector(in.tags().values());
  if (in.has_hidden()) patch.hidden = in.hidden();
  return patch;
}

std::string SerializeProduct(const Product& product) {
  pb::Product message;
  ToProto(product, &message);
  return message.SerializeAsString();
}

absl::StatusOr<Product> ParseProduct(std::string_view bytes) {
  pb::Product message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("stored product is not a valid aisle.pb.Product");
  }
  return FromProto(message);
}

}  // namespace aisle::proto
