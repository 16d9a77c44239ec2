#include "server/ops_handlers.h"

#include "server/json_writer.h"

namespace aisle::server {

void RegisterOpsHandlers(const index::ProductIndex* index, Metrics* metrics, Router* router) {
  metrics->AddGauge("aisle_documents_indexed", "Products in the search index.",
                    [index] { return static_cast<double>(index->Stats().documents); });
  metrics->AddGauge("aisle_index_commits_total", "Commits of the search index since start.",
                    [index] { return static_cast<double>(index->Stats().commits); });
  router->Add("GET", "/health", [](Request&) {
    Response response;
    response.body = R"({"status":"available"})";
    return response;
  });
  router->Add("GET", "/metrics", [metrics](Request&) {
    Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics->RenderPrometheus();
    return response;
  });
  router->Add("GET", "/v1/stats", [index](Request&) {
    const index::IndexStats stats = index->Stats();
    JsonWriter out;
    out.BeginObject()
        .Key("numberOfDocuments")
        .Uint(stats.documents)
        .Key("commits")
        .Uint(stats.commits)
        .Key("generation")
        .Uint(stats.generation)
        .EndObject();
    Response response;
    response.body = out.Take();
    return response;
  });
}

}  // namespace aisle::server
