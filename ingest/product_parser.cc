#include "ingest/product_parser.h"

#include <climits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "ingest/json_internal.h"
#include "ingest/validation_internal.h"
#include "proto/aisle.pb.h"
#include "proto/product_codec.h"

namespace aisle::ingest {
namespace {

namespace sj = simdjson;
namespace od = simdjson::ondemand;

// Files a decoded document as a product or a rejection.
void Accept(internal::DecodedDocument& document, const ValidationLimits& limits,
            ParsedProducts* out) {
  if (document.reason.empty()) {
    const absl::Status valid = ValidateProduct(document.product, limits);
    if (valid.ok()) {
      out->products.push_back(std::move(document.product));
      return;
    }
    document.reason = std::string(valid.message());
  }
  out->rejected.push_back(Rejection{document.index, document.line, std::move(document.product.id),
                                    std::move(document.reason)});
}

absl::StatusOr<ParsedProducts> ParseJson(std::string_view body, Format format,
                                         const ValidationLimits& limits) {
  ParsedProducts out;
  const internal::DocumentSink sink = [&](internal::DecodedDocument& document) {
    Accept(document, limits, &out);
  };
  AISLE_RETURN_IF_ERROR(
      format == Format::kJson
          ? internal::ReadJsonArray(body, internal::AisleField, limits.max_documents, sink)
          : internal::ReadNdjson(body, internal::AisleField, limits.max_documents, sink));
  internal::KeepLastOfEachId(&out.products);
  return out;
}

absl::Status CheckProtobufSize(std::string_view body) {
  if (body.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("body: protobuf body larger than 2 GiB", "body");
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedProducts> ParseProtobuf(std::string_view body,
                                             const ValidationLimits& limits) {
  AISLE_RETURN_IF_ERROR(CheckProtobufSize(body));
  pb::ProductBatch batch;
  if (!batch.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("body: not a valid aisle.pb.ProductBatch", "body");
  }
  const size_t products = static_cast<size_t>(batch.products_size());
  const size_t documents = products + static_cast<size_t>(batch.delete_ids_size());
  if (documents > limits.max_documents) {
    return InvalidArgumentError(
        absl::StrCat("body: ", documents, " documents; more than ", limits.max_documents), "body");
  }
  ParsedProducts out;
  out.products.reserve(products);
  for (size_t i = 0; i < products; ++i) {
    internal::DecodedDocument document;
    document.index = i;
    document.product = proto::FromProto(batch.products(static_cast<int>(i)));
    Accept(document, limits, &out);
  }
  for (int i = 0; i < batch.delete_ids_size(); ++i) {
    std::string& id = *batch.mutable_delete_ids(i);
    const absl::Status valid = ValidateProductId(id, limits);
    if (valid.ok()) {
      out.delete_ids.push_back(std::move(id));
    } else {
      out.rejected.push_back(
          Rejection{products + static_cast<size_t>(i), 0, std::move(id),
                    absl::StrCat("delete_ids[", i, "]: ", std::string(valid.message()))});
    }
  }
  internal::KeepLastOfEachId(&out.products);
  return out;
}

absl::StatusOr<ProductPatch> ParseJsonPatch(std::string_view body, const ValidationLimits& limits) {
  const sj::padded_string padded(body.data(), body.size());
  od::parser parser;
  od::document doc;
  od::object object;
  sj::error_code e = parser.iterate(padded).get(doc);
  if (!e) e = doc.get_object().get(object);
  if (e == sj::INCORRECT_TYPE || e == sj::EMPTY) {
    return InvalidArgumentError("body: expected a JSON object", "body", 0);
  }
  ProductPatch patch;
  internal::DecodeResult result;
  if (!e) {
    result = internal::DecodePatch(object, &patch);
    e = result.fatal;
  }
  if (!e && !result.reason.empty()) return InvalidArgumentError(result.reason, result.field);
  if (e == sj::UTF8_ERROR) {
    return InvalidArgumentError("body: invalid UTF-8", "body", FindInvalidUtf8(body).value_or(0));
  }
  const char* at = nullptr;
  const bool trailing = !e && doc.current_location().get(at) == sj::SUCCESS;
  if (e || trailing) {
    size_t position = body.size();
    if (at != nullptr || doc.current_location().get(at) == sj::SUCCESS) {
      position = static_cast<size_t>(at - padded.data());
    }
    return InvalidArgumentError(
        trailing ? std::string("body: unexpected content after the object")
                 : absl::StrCat("body: invalid JSON (", sj::error_message(e), ")"),
        "body", position);
  }
  AISLE_RETURN_IF_ERROR(internal::ValidatePatch(patch, limits));
  return patch;
}

absl::StatusOr<ProductPatch> ParseProtobufPatch(std::string_view body,
                                                const ValidationLimits& limits) {
  AISLE_RETURN_IF_ERROR(CheckProtobufSize(body));
  pb::ProductPatch message;
  if (!message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("body: not a valid aisle.pb.ProductPatch", "body");
  }
  if (!message.id().empty()) {
    return InvalidArgumentError("id: cannot be changed by a patch (the id comes from the URL)",
                                "id");
  }
  if (message.has_stock()) {
    return InvalidArgumentError("stock: not a catalog field; send a signal update", "stock");
  }
  ProductPatch patch = proto::FromProto(message);
  AISLE_RETURN_IF_ERROR(internal::ValidatePatch(patch, limits));
  return patch;
}

}  // namespace

absl::StatusOr<ParsedProducts> ParseProducts(std::string_view body, Format format,
                                             const ValidationLimits& limits) {
  switch (format) {
    case Format::kJson:
    case Format::kNdjson:
      return ParseJson(body, format, limits);
    case Format::kProtobuf:
      return ParseProtobuf(body, limits);
  }
  return absl::InvalidArgumentError("unknown format");
}

absl::StatusOr<ProductPatch> ParseProductPatch(std::string_view body, Format format,
                                               const ValidationLimits& limits) {
  switch (format) {
    case Format::kJson:
      return ParseJsonPatch(body, limits);
    case Format::kNdjson:
      return InvalidArgumentError("body: a patch is one JSON object, not NDJSON", "body");
    case Format::kProtobuf:
      return ParseProtobufPatch(body, limits);
  }
  return absl::InvalidArgumentError("unknown format");
}

}  // namespace aisle::ingest
