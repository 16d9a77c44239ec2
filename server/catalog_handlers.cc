#include "server/catalog_handlers.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/body_format.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"
#include "server/product_json.h"
#include "server/search_codec.h"

namespace aisle::server {
namespace {

Response Json(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

CatalogHandlers::CatalogHandlers(index::ProductIndex* index, const ranking::Searcher* searcher,
                                 const SignalHandlers* signals, CatalogHandlersOptions options)
    : index_(index), searcher_(searcher), signals_(signals), options_(std::move(options)) {}

void CatalogHandlers::Register(Router* router) {
  auto bind = [this](Response (CatalogHandlers::*method)(Request&) const) {
    return [this, method](Request& request) { return (this->*method)(request); };
  };
  const RouteTraits ingest{options_.max_ingest_body_bytes, /*blocking=*/true};
  const RouteTraits patch{options_.max_patch_body_bytes, /*blocking=*/true};
  const RouteTraits read{options_.max_search_body_bytes, /*blocking=*/false};
  router->Add("POST", "/v1/products", bind(&CatalogHandlers::IngestProducts), ingest);
  router->Add("POST", "/v1/products/delete-batch", bind(&CatalogHandlers::DeleteProducts), patch);
  router->Add("GET", "/v1/products/{id}", bind(&CatalogHandlers::GetProduct), read);
  router->Add("PATCH", "/v1/products/{id}", bind(&CatalogHandlers::PatchProduct), patch);
  router->Add("DELETE", "/v1/products/{id}", bind(&CatalogHandlers::DeleteProduct), patch);
  router->Add("POST", "/v1/search", bind(&CatalogHandlers::Search), read);
  router->Add("GET", "/v1/search", bind(&CatalogHandlers::Search), read);
}

Response CatalogHandlers::IngestProducts(Request& request) const {
  auto format = BodyFormat(request);
  if (!format.ok()) return FromStatus(format.status());
  auto parsed = ingest::ParseProducts(request.body, *format, options_.limits);
  if (!parsed.ok()) return FromStatus(parsed.status());
  const size_t upserted = parsed->products.size();
  if (upserted > 0) {
    std::vector<Product> stored;
    if (options_.on_upserted) stored = parsed->products;  // Upsert takes them.
    if (absl::Status s = index_->Upsert(std::move(parsed->products)); !s.ok()) {
      return FromStatus(s);
    }
    if (options_.on_upserted) options_.on_upserted(stored);
  }
  size_t deleted = 0;
  if (!parsed->delete_ids.empty()) {
    auto n = index_->Delete(parsed->delete_ids);
    if (!n.ok()) return FromStatus(n.status());
    deleted = *n;
    if (options_.on_deleted) options_.on_deleted(parsed->delete_ids);
    if (absl::Status s = ForgetSignals(parsed->delete_ids); !s.ok()) return FromStatus(s);
  }
  // Nothing applied and something rejected: the request as a whole failed,
  // and says so in the usual error shape besides the per-document reasons.
  const bool all_rejected = upserted == 0 && deleted == 0 && !parsed->rejected.empty();
  JsonWriter out;
  out.BeginObject();
  if (all_rejected) {
    out.Key("error").BeginObject().Key("code").String("all_documents_rejected");
    out.Key("message").String(
        absl::StrCat("all ", parsed->rejected.size(),
                     " documents were rejected; first: ", parsed->rejected.front().reason));
    out.EndObject();
  }
  out.Key("indexed").Uint(upserted).Key("deleted").Uint(deleted);
  out.Key("rejectedCount").Uint(parsed->rejected.size());
  WriteRejections(parsed->rejected, &out);
  out.EndObject();
  return Json(all_rejected ? 422 : 200, out.Take());
}

Response CatalogHandlers::DeleteProducts(Request& request) const {
  std::vector<std::string> ids;
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(request.body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(padded).get(doc) || doc.get_array().get(array)) {
    return FromStatus(InvalidArgumentError("the body must be a JSON array of ids", "body"));
  }
  for (auto item : array) {
    std::string_view id;
    if (item.get_string().get(id)) {
      return FromStatus(InvalidArgumentError("the body must be a JSON array of ids", "body"));
    }
    ids.emplace_back(id);
  }
  if (const char* at; doc.current_location().get(at) == simdjson::SUCCESS) {
    return FromStatus(InvalidArgumentError("trailing content after the array", "body"));
  }
  auto deleted = index_->Delete(ids);
  if (!deleted.ok()) return FromStatus(deleted.status());
  if (options_.on_deleted) options_.on_deleted(ids);
  if (absl::Status s = ForgetSignals(ids); !s.ok()) return FromStatus(s);
  JsonWriter out;
  out.BeginObject().Key("deleted").Uint(*deleted).EndObject();
  return Json(200, out.Take());
}

// The stored product with its live signals: the price shown is the price now.
Response CatalogHandlers::ProductWithSignals(std::string_view id, Product product) const {
  auto live = index_->Signals(id);
  ProductFieldSelection all;
  all.include_private = true;
  JsonWriter out;
  out.BeginObject();
  if (live.ok()) product.price = live->price;
  WriteProductFields(product, all, &out);
  if (live.ok()) {
    out.Key("basePrice").Double(live->base_price).Key("inStock").Bool(live->in_stock);
    if (live->stock) out.Key("stock").Int(*live->stock);
  }
  out.EndObject();
  return Json(200, out.Take());
}

absl::Status CatalogHandlers::ForgetSignals(const std::vector<std::string>& ids) const {
  return signals_ == nullptr ? absl::OkStatus() : signals_->Forget(ids);
}

Response CatalogHandlers::GetProduct(Request& request) const {
  auto product = index_->Get(request.PathParam("id"));
  if (!product.ok()) {
    return FromStatus(absl::IsNotFound(product.status())
                          ? WithErrorCode(product.status(), "product_not_found")
                          : product.status());
  }
  return ProductWithSignals(request.PathParam("id"), std::move(*product));
}

Response CatalogHandlers::PatchProduct(Request& request) const {
  auto format = BodyFormat(request);
  if (!format.ok()) return FromStatus(format.status());
  if (*format == ingest::Format::kNdjson) {
    return FromStatus(InvalidArgumentError("a patch is one JSON object", "Content-Type"));
  }
  if (signals_ != nullptr && *format == ingest::Format::kJson) {
    // Price, stock, popularity and cost alone are live signals: no reindex.
    auto update = SignalHandlers::SignalOnlyPatch(request.PathParam("id"), request.body);
    if (!update.ok()) return FromStatus(update.status());
    if (update->has_value()) {
      auto result = signals_->Apply({**update});
      if (!result.ok()) return FromStatus(result.status());
      if (result->applied == 0) {
        return FromStatus(
            WithErrorCode(absl::NotFoundError(absl::StrCat(
                              "no product with id '", std::string(request.PathParam("id")), "'")),
                          "product_not_found"));
      }
      auto product = index_->Get(request.PathParam("id"));
      if (!product.ok()) return FromStatus(product.status());
      return ProductWithSignals(request.PathParam("id"), std::move(*product));
    }
  }
  auto patch = ingest::ParseProductPatch(request.body, *format, options_.limits);
  if (!patch.ok()) return FromStatus(patch.status());
  auto product = index_->Patch(request.PathParam("id"), *patch);
  if (!product.ok()) {
    return FromStatus(absl::IsNotFound(product.status())
                          ? WithErrorCode(product.status(), "product_not_found")
                          : product.status());
  }
  if (options_.on_upserted) options_.on_upserted({*product});
  return ProductWithSignals(request.PathParam("id"), std::move(*product));
}

Response CatalogHandlers::DeleteProduct(Request& request) const {
  const std::string id(request.PathParam("id"));
  auto deleted = index_->Delete({id});
  if (!deleted.ok()) return FromStatus(deleted.status());
  if (options_.on_deleted) options_.on_deleted({id});
  if (absl::Status s = ForgetSignals({id}); !s.ok()) return FromStatus(s);
  if (*deleted == 0) {
    return FromStatus(WithErrorCode(
        absl::NotFoundError(absl::StrCat("no product with id '", id, "'")), "product_not_found"));
  }
  JsonWriter out;
  out.BeginObject().Key("deleted").Uint(*deleted).EndObject();
  return Json(200, out.Take());
}

Response CatalogHandlers::Search(Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  auto call = request.method == "GET" ? ParseSearchQuery(request) : ParseSearchBody(request.body);
  if (!call.ok()) return FromStatus(call.status());
  auto response = searcher_->Search(call->request);
  if (!response.ok()) return FromStatus(response.status());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return Json(200, WriteSearchResponse(*call, *response, ms));
}

}  // namespace aisle::server
