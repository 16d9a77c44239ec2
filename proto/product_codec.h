// Conversions between the domain Product and its protobuf form. The index
// stores the serialized pb::Product as each document's data.
#ifndef AISLE_PROTO_PRODUCT_CODEC_H_
#define AISLE_PROTO_PRODUCT_CODEC_H_

#include <string>
#include <string_view>

#include "base/product.h"
#include "base/status.h"
#include "proto/aisle.pb.h"

namespace aisle::proto {

void ToProto(const Product& product, pb::Product* out);
Product FromProto(const pb::Product& in);
ProductPatch FromProto(const pb::ProductPatch& in);

std::string SerializeProduct(const Product& product);
absl::StatusOr<Product> ParseProduct(std::string_view bytes);

}  // namespace aisle::proto

#endif  // AISLE_PROTO_PRODUCT_CODEC_H_
