// Routes of the catalog: product ingest (JSON, NDJSON, protobuf), product
// reads, partial updates, deletes, and search. Thin: parse the request,
// call ingest/ranking/index, write the response.
//
// Thread-safe: handlers run concurrently on I/O and blocking-pool threads.
#ifndef AISLE_SERVER_CATALOG_HANDLERS_H_
#define AISLE_SERVER_CATALOG_HANDLERS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "index/product_index.h"
#include "ingest/product_parser.h"
#include "ranking/searcher.h"
#include "server/http.h"
#include "server/router.h"
#include "server/signal_handlers.h"

namespace aisle::server {

struct CatalogHandlersOptions {
  size_t max_ingest_body_bytes = 64 << 20;  // POST /v1/products.
  size_t max_patch_body_bytes = 1 << 20;
  size_t max_search_body_bytes = 64 << 10;
  ingest::ValidationLimits limits;
  // Optional; told of catalog writes after they succeeded (recommendations'
  // content index), on the request's thread: the products as stored by an
  // ingest or a document patch (not by a live-signal-only patch), and the
  // ids of a delete (unknown ones included).
  std::function<void(const std::vector<Product>& products)> on_upserted;
  std::function<void(const std::vector<std::string>& ids)> on_deleted;
};

class CatalogHandlers {
 public:
  // No pointer is owned; each must outlive the handlers. `signals` may be
  // null: then a PATCH of price or stock rewrites the document instead of
  // updating the live signals.
  CatalogHandlers(index::ProductIndex* index, const ranking::Searcher* searcher,
                  const SignalHandlers* signals, CatalogHandlersOptions options = {});

  void Register(Router* router);

  Response IngestProducts(Request& request) const;
  Response DeleteProducts(Request& request) const;
  Response GetProduct(Request& request) const;
  Response PatchProduct(Request& request) const;
  Response DeleteProduct(Request& request) const;
  Response Search(Request& request) const;

 private:
  Response ProductWithSignals(std::string_view id, Product product) const;
  absl::Status ForgetSignals(const std::vector<std::string>& ids) const;

  index::ProductIndex* index_;
  const ranking::Searcher* searcher_;
  const SignalHandlers* signals_;
  CatalogHandlersOptions options_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_CATALOG_HANDLERS_H_
