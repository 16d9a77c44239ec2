#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "ingest/catalog_import.h"
#include "server/commands.h"
#include "server/flags.h"
#include "server/http_client.h"
#include "server/product_json.h"

namespace aisle::server {
namespace {

struct Target {
  std::string host = "127.0.0.1";
  uint16_t port = 7700;
};

absl::StatusOr<Target> ParseUrl(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  if (size_t slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  Target target;
  const size_t colon = rest.rfind(':');
  target.host = rest.substr(0, colon);
  if (colon != std::string::npos) {
    const int port = std::atoi(rest.substr(colon + 1).c_str());
    if (port <= 0 || port > 65535) return absl::InvalidArgumentError("bad port in --url");
    target.port = static_cast<uint16_t>(port);
  }
  if (target.host.empty()) return absl::InvalidArgumentError("bad host in --url");
  return target;
}

struct BatchOutcome {
  size_t indexed = 0;
  std::vector<std::string> rejected;  // "id: reason"
};

// POSTs one NDJSON batch, retrying on transport errors, 429 and 5xx with
// exponential backoff.
absl::StatusOr<BatchOutcome> PushBatch(HttpClient* client, const std::string& body) {
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    auto response = client->Send("POST", "/v1/products", body, "application/x-ndjson");
    if (!response.ok()) {
      last = response.status();
      continue;
    }
    if (response->status == 429 || response->status >= 500) {
      last = absl::UnavailableError(absl::StrCat("server answered ", response->status));
      continue;
    }
    if (response->status != 200 && response->status != 422) {
      return absl::InternalError(
          absl::StrCat("server answered ", response->status, ": ", response->body));
    }
    BatchOutcome outcome;
    simdjson::ondemand::parser parser;
    simdjson::padded_string padded(response->body);
    simdjson::ondemand::document doc;
    uint64_t indexed = 0;
    if (parser.iterate(padded).get(doc) || doc["indexed"].get_uint64().get(indexed)) {
      return absl::InternalError("unreadable server response");
    }
    outcome.indexed = indexed;
    simdjson::ondemand::array rejected;
    if (!doc["rejected"].get_array().get(rejected)) {
      for (auto item : rejected) {
        std::string_view id, reason;
        if (item["id"].get_string().get(id) != simdjson::SUCCESS) id = "?";
        if (item["reason"].get_string().get(reason) != simdjson::SUCCESS) reason = "?";
        outcome.rejected.push_back(absl::StrCat(std::string(id), ": ", std::string(reason)));
      }
    }
    return outcome;
  }
  return last;
}

}  // namespace

int RunImport(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv, {"url", "batch", "format"});
  if (!flags.ok() || flags->positional().size() != 1) {
    std::cerr << "usage: aisle import FILE [--url http://127.0.0.1:7700] [--batch 1000]\n";
    return 2;
  }
  auto target = ParseUrl(flags->String("url", "http://127.0.0.1:7700"));
  auto batch = flags->Int("batch", 1000);
  if (!target.ok() || !batch.ok() || *batch <= 0) {
    std::cerr << "aisle import: bad --url or --batch\n";
    return 2;
  }
  const std::string& path = flags->positional()[0];
  auto catalog = ingest::ImportCatalogFile(path);
  if (!catalog.ok()) {
    std::cerr << "aisle import: " << catalog.status().message() << "\n";
    return 1;
  }
  auto client = HttpClient::Create({target->host, target->port});
  ProductFieldSelection all;
  all.include_private = true;
  const auto start = std::chrono::steady_clock::now();
  size_t indexed = 0;
  std::vector<std::string> server_rejected;
  const auto& products = catalog->products;
  for (size_t i = 0; i < products.size(); i += *batch) {
    std::string body;
    for (size_t j = i; j < std::min(products.size(), i + static_cast<size_t>(*batch)); ++j) {
      JsonWriter out;
      WriteProduct(products[j], all, &out);
      body += out.Take();
      body += '\n';
    }
    auto outcome = PushBatch(client.get(), body);
    if (!outcome.ok()) {
      std::cerr << "\naisle import: " << outcome.status().message() << "\n";
      return 1;
    }
    indexed += outcome->indexed;
    server_rejected.insert(server_rejected.end(), outcome->rejected.begin(),
                           outcome->rejected.end());
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\rimported %zu / %zu products (%.0f/s)", indexed, products.size(),
                 secs > 0 ? indexed / secs : 0.0);
  }
  std::fprintf(stderr, "\n");
  std::cout << "file " << path << ": " << products.size() + catalog->rejected.size() << " rows, "
            << indexed << " imported, " << catalog->rejected.size() << " rejected while reading, "
            << server_rejected.size() << " rejected by the server, "
            << catalog->repaired_lines.size() << " rows with invalid UTF-8 repaired\n";
  for (const auto& r : catalog->rejected) {
    std::cout << "  line " << r.line << ": " << r.reason << "\n";
  }
  for (const auto& r : server_rejected) std::cout << "  server: " << r << "\n";
  return 0;
}

}  // namespace aisle::server
