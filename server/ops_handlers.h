// Operational routes: GET /health, GET /metrics (Prometheus), GET /v1/stats.
#ifndef AISLE_SERVER_OPS_HANDLERS_H_
#define AISLE_SERVER_OPS_HANDLERS_H_

#include "index/product_index.h"
#include "server/metrics.h"
#include "server/router.h"

namespace aisle::server {

// Registers the routes and the index gauges. Pointers are not owned and must
// outlive the router.
void RegisterOpsHandlers(const index::ProductIndex* index, Metrics* metrics, Router* router);

}  // namespace aisle::server

#endif  // AISLE_SERVER_OPS_HANDLERS_H_
