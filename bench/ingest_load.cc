// HTTP load generator for the ingest routes: N keep-alive connections POST
// batches of behaviour events (/v1/events) or live-signal updates
// (/v1/products/signals) for a fixed duration, then print requests/s, items/s
// and per-request latency. In signals mode it then checks, for a sample of
// products, that the server returns the last price and stock sent.
//
//   build/release/bench/ingest_load --mode events|signals --port 7711
//       [--connections 4] [--duration 20] [--batch 500]
//       [--format json|ndjson|protobuf] [--products 100000] [--users 10000]
//       [--verify 20] [--server-pid PID] [--seed 1]
//
// Product ids, brands, leaf categories and prices come from the demo catalog
// (`aisle serve --demo N`), so every event names a real product. With
// --server-pid the server's CPU time over the run is printed too: on a small
// machine the load generator competes with the server for the same cores.
#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/event.h"
#include "ingest/demo_catalog.h"
#include "proto/aisle.pb.h"
#include "bench/load_util.h"
#include "server/http_client.h"
#include "server/json_writer.h"

namespace {

using Clock = std::chrono::steady_clock;
using aisle::server::JsonWriter;
using aisle::bench::MachineCpu;
using aisle::bench::ProcessCpuSeconds;
using aisle::bench::ReadMachineCpu;
using aisle::bench::Rng;
using aisle::bench::SelfCpuSeconds;

enum class Mode { kEvents, kSignals };
enum class BodyFormat { kJson, kNdjson, kProtobuf };

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 7700;
  Mode mode = Mode::kEvents;
  BodyFormat format = BodyFormat::kJson;
  int connections = 4;
  double duration_s = 10;
  int batch = 500;
  int products = 100000;
  int users = 10000;
  int verify = 20;      // Products checked after a signals run.
  int server_pid = 0;   // 0: do not report the server's CPU time.
  uint64_t seed = 1;
};

[[noreturn]] void Usage(const char* error) {
  std::fprintf(stderr,
               "%s\nusage: ingest_load --mode events|signals [--host H] [--port P]\n"
               "  [--connections 4] [--duration 10] [--batch 500]\n"
               "  [--format json|ndjson|protobuf] [--products 100000] [--users 10000]\n"
               "  [--verify 20] [--server-pid PID] [--seed 1]\n",
               error);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const std::string value = argv[i + 1];
    if (flag == "--host") {
      o.host = value;
    } else if (flag == "--port") {
      o.port = static_cast<uint16_t>(std::stoi(value));
    } else if (flag == "--mode") {
      if (value != "events" && value != "signals") Usage("--mode: events or signals");
      o.mode = value == "events" ? Mode::kEvents : Mode::kSignals;
    } else if (flag == "--format") {
      if (value == "json") {
        o.format = BodyFormat::kJson;
      } else if (value == "ndjson") {
        o.format = BodyFormat::kNdjson;
      } else if (value == "protobuf") {
        o.format = BodyFormat::kProtobuf;
      } else {
        Usage("--format: json, ndjson or protobuf");
      }
    } else if (flag == "--connections") {
      o.connections = std::stoi(value);
    } else if (flag == "--duration") {
      o.duration_s = std::stod(value);
    } else if (flag == "--batch") {
      o.batch = std::stoi(value);
    } else if (flag == "--products") {
      o.products = std::stoi(value);
    } else if (flag == "--users") {
      o.users = std::stoi(value);
    } else if (flag == "--verify") {
      o.verify = std::stoi(value);
    } else if (flag == "--server-pid") {
      o.server_pid = std::stoi(value);
    } else if (flag == "--seed") {
      o.seed = std::stoull(value);
    } else {
      Usage(("unknown flag " + flag).c_str());
    }
  }
  if (o.connections < 1 || o.batch < 1 || o.products < o.connections || o.users < 1) {
    Usage("--connections, --batch, --users must be >= 1 and --products >= --connections");
  }
  return o;
}

const char* FormatName(BodyFormat f) {
  return f == BodyFormat::kJson ? "json" : f == BodyFormat::kNdjson ? "ndjson" : "protobuf";
}

const char* ContentType(BodyFormat f) {
  return f == BodyFormat::kJson     ? "application/json"
         : f == BodyFormat::kNdjson ? "application/x-ndjson"
                                    : "application/x-protobuf";
}

// What an event or a price change needs to know about a demo product.
struct CatalogEntry {
  std::string id;
  std::string brand;
  std::string category;  // Leaf category, as a storefront would report it.
  double price = 0;
};

// Generating a demo product also writes its description; two threads halve
// the start-up wait at 100k+ products.
std::vector<CatalogEntry> LoadCatalog(int count) {
  std::vector<CatalogEntry> entries(count);
  auto fill = [&](int first, int step) {
    for (int i = first; i < count; i += step) {
      aisle::Product p = aisle::ingest::GenerateDemoProduct(i);
      entries[i] = {std::move(p.id), std::move(p.brand),
                    p.categories.empty() ? std::string() : p.categories.back(), p.price};
    }
  };
  std::thread other(fill, 1, 2);
  fill(0, 2);
  other.join();
  return entries;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------- events

// view 60 %, click 15 %, cart_add 10 %, wishlist_add 5 %, purchase 5 %,
// search 5 %: roughly a storefront's funnel.
aisle::EventType PickType(Rng* rng) {
  const uint64_t roll = rng->Below(100);
  if (roll < 60) return aisle::EventType::kView;
  if (roll < 75) return aisle::EventType::kClick;
  if (roll < 85) return aisle::EventType::kCartAdd;
  if (roll < 90) return aisle::EventType::kWishlistAdd;
  if (roll < 95) return aisle::EventType::kPurchase;
  return aisle::EventType::kSearch;
}

aisle::Event MakeEvent(const std::vector<CatalogEntry>& catalog, const Options& o,
                       int64_t now_ms, Rng* rng) {
  aisle::Event e;
  e.type = PickType(rng);
  const uint64_t user = rng->Below(o.users);
  e.user_id = absl::StrCat("u", user);
  // One session per user and half hour, as a cookie-based session would be.
  e.session_id = absl::StrCat("s", user, "-", now_ms / 1800000);
  e.timestamp_ms = now_ms;
  const CatalogEntry& product = catalog[rng->Below(catalog.size())];
  e.category = product.category;
  if (e.type == aisle::EventType::kSearch) {
    e.metadata.query = absl::StrCat(product.brand, " ", product.category);
  } else {
    e.product_id = product.id;
    e.metadata.brand = product.brand;
    e.metadata.price = product.price;
  }
  return e;
}

void WriteEventJson(const aisle::Event& e, JsonWriter* w) {
  w->BeginObject().Key("type").String(aisle::EventTypeName(e.type));
  w->Key("userId").String(e.user_id).Key("sessionId").String(e.session_id);
  if (!e.product_id.empty()) w->Key("productId").String(e.product_id);
  w->Key("category").String(e.category).Key("timestamp").Int(e.timestamp_ms);
  w->Key("metadata").BeginObject();
  if (!e.metadata.brand.empty()) w->Key("brand").String(e.metadata.brand);
  if (e.metadata.price) w->Key("price").Double(*e.metadata.price);
  if (!e.metadata.query.empty()) w->Key("query").String(e.metadata.query);
  w->EndObject().EndObject();
}

aisle::pb::EventType ToProto(aisle::EventType t) {
  switch (t) {
    case aisle::EventType::kView: return aisle::pb::VIEW;
    case aisle::EventType::kClick: return aisle::pb::CLICK;
    case aisle::EventType::kCartAdd: return aisle::pb::CART_ADD;
    case aisle::EventType::kPurchase: return aisle::pb::PURCHASE;
    case aisle::EventType::kWishlistAdd: return aisle::pb::WISHLIST_ADD;
    case aisle::EventType::kSearch: return aisle::pb::SEARCH;
  }
  return aisle::pb::EVENT_TYPE_UNSPECIFIED;
}

std::string EncodeEvents(const std::vector<aisle::Event>& events, BodyFormat format) {
  if (format == BodyFormat::kProtobuf) {
    aisle::pb::EventBatch batch;
    for (const aisle::Event& e : events) {
      aisle::pb::Event* out = batch.add_events();
      out->set_type(ToProto(e.type));
      out->set_user_id(e.user_id);
      out->set_session_id(e.session_id);
      out->set_product_id(e.product_id);
      out->set_category(e.category);
      out->set_timestamp(e.timestamp_ms);
      aisle::pb::EventMetadata* m = out->mutable_metadata();
      m->set_brand(e.metadata.brand);
      if (e.metadata.price) m->set_price(*e.metadata.price);
      m->set_query(e.metadata.query);
    }
    return batch.SerializeAsString();
  }
  JsonWriter w(events.size() * 220);
  if (format == BodyFormat::kJson) {
    w.BeginArray();
    for (const aisle::Event& e : events) WriteEventJson(e, &w);
    w.EndArray();
    return w.Take();
  }
  std::string body;
  body.reserve(events.size() * 220);
  for (const aisle::Event& e : events) {
    WriteEventJson(e, &w);
    body += w.Take();
    body += '\n';
  }
  return body;
}

// ---------------------------------------------------------------- signals

struct Update {
  int product = 0;
  std::optional<double> price;
  std::optional<int64_t> stock;
};

// The last values a connection had acknowledged for one product. Products
// are split between connections (product % connections), so "last sent" is
// well defined: one connection, one request at a time.
struct LastSent {
  std::optional<double> price;
  std::optional<int64_t> stock;
  bool uncertain = false;  // A request carrying it failed: applied or not, unknown.
};

// Half the updates change price and stock, 30 % only stock (inventory
// feeds), 20 % only price (repricing). Prices stay within +-20 % of the
// catalog's, in cents; stock is 0-200 units, so some products sell out.
Update MakeUpdate(const std::vector<CatalogEntry>& catalog, int connection, int connections,
                  Rng* rng) {
  const uint64_t slots = (catalog.size() - connection + connections - 1) / connections;
  Update u;
  u.product = connection + connections * static_cast<int>(rng->Below(slots));
  const uint64_t kind = rng->Below(10);
  if (kind < 7) u.stock = static_cast<int64_t>(rng->Below(201));
  if (kind < 5 || kind >= 7) {
    u.price = std::round(catalog[u.product].price * (0.8 + 0.4 * rng->Unit()) * 100) / 100;
  }
  return u;
}

std::string EncodeUpdates(const std::vector<Update>& updates,
                          const std::vector<CatalogEntry>& catalog, BodyFormat format) {
  if (format == BodyFormat::kProtobuf) {
    aisle::pb::SignalBatch batch;
    for (const Update& u : updates) {
      aisle::pb::SignalUpdate* out = batch.add_updates();
      out->set_product_id(catalog[u.product].id);
      if (u.price) out->set_price(*u.price);
      if (u.stock) out->set_stock(*u.stock);
    }
    return batch.SerializeAsString();
  }
  JsonWriter w(updates.size() * 64);
  std::string ndjson;
  if (format == BodyFormat::kJson) w.BeginArray();
  for (const Update& u : updates) {
    w.BeginObject().Key("productId").String(catalog[u.product].id);
    if (u.price) w.Key("price").Double(*u.price);
    if (u.stock) w.Key("stock").Int(*u.stock);
    w.EndObject();
    if (format == BodyFormat::kNdjson) absl::StrAppend(&ndjson, w.Take(), "\n");
  }
  if (format == BodyFormat::kJson) w.EndArray();
  return format == BodyFormat::kNdjson ? ndjson : w.Take();
}

// ---------------------------------------------------------------- the run

struct ConnectionStats {
  std::vector<double> latencies_ms;
  uint64_t items_sent = 0;
  uint64_t items_accepted = 0;  // "accepted" (events) or "applied" (signals).
  uint64_t non_2xx = 0;
  uint64_t transport_errors = 0;
};

struct Shared {
  std::mutex mu;
  std::string first_error;  // Guarded by mu.
  std::vector<LastSent> last;  // Signals; each element written by one connection.
};

void RecordError(Shared* shared, const std::string& what) {
  std::lock_guard lock(shared->mu);
  if (shared->first_error.empty()) shared->first_error = what;
}

// The integer after "key": in a response body; cheaper than a JSON parse
// per request, and the server writes these fields without spaces.
uint64_t CountField(const std::string& body, std::string_view key) {
  const size_t at = body.find(key);
  if (at == std::string::npos) return 0;
  uint64_t n = 0;
  const char* begin = body.data() + at + key.size();
  std::from_chars(begin, body.data() + body.size(), n);
  return n;
}

// Builds one request body; for signals, also returns the updates it carries.
std::string NextBody(const Options& o, const std::vector<CatalogEntry>& catalog, int connection,
                     Rng* rng, std::vector<Update>* updates) {
  if (o.mode == Mode::kEvents) {
    std::vector<aisle::Event> events;
    events.reserve(o.batch);
    const int64_t now = NowMillis();
    for (int i = 0; i < o.batch; ++i) events.push_back(MakeEvent(catalog, o, now, rng));
    return EncodeEvents(events, o.format);
  }
  updates->clear();
  for (int i = 0; i < o.batch; ++i) {
    updates->push_back(MakeUpdate(catalog, connection, o.connections, rng));
  }
  return EncodeUpdates(*updates, catalog, o.format);
}

void RememberUpdates(const std::vector<Update>& updates, bool acknowledged,
                     std::vector<LastSent>* last) {
  for (const Update& u : updates) {
    LastSent& l = (*last)[u.product];
    if (!acknowledged) {
      l.uncertain = true;
      continue;
    }
    if (u.price) l.price = u.price;
    if (u.stock) l.stock = u.stock;
  }
}

void RunConnection(int c, const Options& o, const std::vector<CatalogEntry>& catalog,
                   Clock::time_point deadline, ConnectionStats* stats, Shared* shared) {
  auto client = aisle::server::HttpClient::Create({o.host, o.port});
  Rng rng(o.seed * 1000003 + c);
  const char* target = o.mode == Mode::kEvents ? "/v1/events" : "/v1/products/signals";
  const std::string_view count_key = o.mode == Mode::kEvents ? "\"accepted\":" : "\"applied\":";
  std::vector<Update> updates;
  while (Clock::now() < deadline) {
    const std::string body = NextBody(o, catalog, c, &rng, &updates);
    const auto t0 = Clock::now();
    auto r = client->Send("POST", target, body, ContentType(o.format));
    const auto t1 = Clock::now();
    stats->items_sent += o.batch;
    if (!r.ok()) {
      stats->transport_errors++;
      RecordError(shared, std::string(r.status().message()));
      RememberUpdates(updates, false, &shared->last);
      continue;
    }
    stats->latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    const bool ok = r->status >= 200 && r->status < 300;
    if (!ok) {
      stats->non_2xx++;
      RecordError(shared, absl::StrCat("HTTP ", r->status, ": ", r->body.substr(0, 600)));
    } else {
      stats->items_accepted += CountField(r->body, count_key);
    }
    if (o.mode == Mode::kSignals) RememberUpdates(updates, ok, &shared->last);
  }
}

// ---------------------------------------------------------------- reporting

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

void PrintReport(const Options& o, const std::vector<ConnectionStats>& stats, double elapsed_s) {
  std::vector<double> all;
  ConnectionStats total;
  for (const ConnectionStats& s : stats) {
    all.insert(all.end(), s.latencies_ms.begin(), s.latencies_ms.end());
    total.items_sent += s.items_sent;
    total.items_accepted += s.items_accepted;
    total.non_2xx += s.non_2xx;
    total.transport_errors += s.transport_errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(all.size() * p))];
  };
  const char* unit = o.mode == Mode::kEvents ? "events" : "updates";
  std::printf("mode=%s format=%s connections=%d batch=%d duration=%.1fs\n",
              o.mode == Mode::kEvents ? "events" : "signals", FormatName(o.format), o.connections,
              o.batch, elapsed_s);
  std::printf("requests=%zu req/s=%.1f %s_sent=%llu %s_%s=%llu %s/s=%.0f non2xx=%llu "
              "transport_errors=%llu\n",
              all.size(), all.size() / elapsed_s, unit,
              static_cast<unsigned long long>(total.items_sent), unit,
              o.mode == Mode::kEvents ? "accepted" : "applied",
              static_cast<unsigned long long>(total.items_accepted), unit,
              total.items_accepted / elapsed_s, static_cast<unsigned long long>(total.non_2xx),
              static_cast<unsigned long long>(total.transport_errors));
  std::printf("request latency_ms p50=%.3f p90=%.3f p99=%.3f max=%.3f\n", pct(0.5), pct(0.9),
              pct(0.99), all.empty() ? 0.0 : all.back());
}

// ---------------------------------------------------------------- verification

struct ServerSignals {
  double price = -1;
  double base_price = -1;
  std::optional<int64_t> stock;
  bool in_stock = false;
  std::optional<double> search_price;  // The hit's price for a filter on the id.
};

std::optional<ServerSignals> FetchSignals(aisle::server::HttpClient* client,
                                          const std::string& id) {
  auto r = client->Send("GET", "/v1/products/" + id + "/signals");
  if (!r.ok() || r->status != 200) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(r->body).get(doc)) return std::nullopt;
  ServerSignals s;
  if (doc["price"].get_double().get(s.price) || doc["basePrice"].get_double().get(s.base_price) ||
      doc["inStock"].get_bool().get(s.in_stock)) {
    return std::nullopt;
  }
  int64_t stock;
  if (doc["stock"].get_int64().get(stock) == simdjson::SUCCESS) s.stock = stock;
  // "The next query": the live price as a search hit shows it.
  auto hit = client->Send("GET", "/v1/search?filter=id%20%3D%20" + id +
                                     "&attributesToRetrieve=id,price&limit=1");
  double search_price;
  if (hit.ok() && hit->status == 200 && !parser.parse(hit->body).get(doc) &&
      !doc.at_pointer("/hits/0/price").get_double().get(search_price)) {
    s.search_price = search_price;
  }
  return s;
}

bool Matches(const LastSent& sent, const ServerSignals& got) {
  if (sent.price && (got.price != *sent.price || got.base_price != *sent.price ||
                     got.search_price != sent.price)) {
    return false;
  }
  if (sent.stock && (got.stock != sent.stock || got.in_stock != (*sent.stock > 0))) return false;
  return true;
}

// The shortest text that round-trips, so a mismatch in the last bit shows.
template <typename T>
std::string Describe(const std::optional<T>& v) {
  if (!v) return "-";
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), *v).ptr);
}

// Returns the number of mismatches (unreadable answers count as mismatches).
int VerifySignals(const Options& o, const std::vector<CatalogEntry>& catalog,
                  const std::vector<LastSent>& last) {
  std::vector<int> candidates;
  for (int i = 0; i < static_cast<int>(last.size()); ++i) {
    if (!last[i].uncertain && (last[i].price || last[i].stock)) candidates.push_back(i);
  }
  Rng rng(o.seed ^ 0x5eed);
  auto client = aisle::server::HttpClient::Create({o.host, o.port});
  const int n = std::min<int>(o.verify, candidates.size());
  int mismatches = 0;
  for (int k = 0; k < n; ++k) {
    std::swap(candidates[k], candidates[k + rng.Below(candidates.size() - k)]);
    const LastSent& sent = last[candidates[k]];
    const std::string& id = catalog[candidates[k]].id;
    const std::optional<ServerSignals> got = FetchSignals(client.get(), id);
    const bool ok = got && Matches(sent, *got);
    mismatches += ok ? 0 : 1;
    const std::string unread = "?";
    std::printf("verify %s sent price=%s stock=%s | got price=%s basePrice=%s stock=%s "
                "searchPrice=%s %s\n",
                id.c_str(), Describe(sent.price).c_str(), Describe(sent.stock).c_str(),
                (got ? Describe(std::optional(got->price)) : unread).c_str(),
                (got ? Describe(std::optional(got->base_price)) : unread).c_str(),
                (got ? Describe(got->stock) : unread).c_str(),
                (got ? Describe(got->search_price) : unread).c_str(), ok ? "OK" : "MISMATCH");
  }
  std::printf("verify: %d checked, %d OK, %d MISMATCH\n", n, n - mismatches, mismatches);
  return mismatches;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const auto load_start = Clock::now();
  const std::vector<CatalogEntry> catalog = LoadCatalog(o.products);
  std::fprintf(stderr, "demo catalog facts for %d products in %.1f s\n", o.products,
               std::chrono::duration<double>(Clock::now() - load_start).count());

  Shared shared;
  if (o.mode == Mode::kSignals) shared.last.resize(catalog.size());
  std::vector<ConnectionStats> stats(o.connections);
  const std::string load_before = LoadAverage();
  const MachineCpu machine0 = ReadMachineCpu();
  const double client_cpu0 = SelfCpuSeconds();
  const double server_cpu0 = o.server_pid ? ProcessCpuSeconds(o.server_pid) : 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(o.duration_s));
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back(RunConnection, c, std::cref(o), std::cref(catalog), deadline, &stats[c],
                         &shared);
  }
  for (std::thread& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  PrintReport(o, stats, elapsed);
  const double client_cpu = SelfCpuSeconds() - client_cpu0;
  const double server_cpu = o.server_pid ? ProcessCpuSeconds(o.server_pid) - server_cpu0 : 0;
  const MachineCpu machine1 = ReadMachineCpu();
  const double machine_busy = machine1.busy_s - machine0.busy_s;
  std::printf("cpu (%% of one core): client %.0f%%", 100 * client_cpu / elapsed);
  if (o.server_pid) std::printf(", server %.0f%%", 100 * server_cpu / elapsed);
  std::printf(", machine busy %.0f%% of %.0f%%", 100 * machine_busy / elapsed,
              100 * (machine1.total_s - machine0.total_s) / elapsed);
  if (o.server_pid) {
    std::printf(" (others %.0f%%)", 100 * (machine_busy - client_cpu - server_cpu) / elapsed);
  }
  std::printf("; loadavg(1m) before %s after %s\n", load_before.c_str(), LoadAverage().c_str());
  if (!shared.first_error.empty()) std::printf("first error: %s\n", shared.first_error.c_str());

  int mismatches = 0;
  if (o.mode == Mode::kSignals && o.verify > 0) mismatches = VerifySignals(o, catalog, shared.last);
  uint64_t failures = 0;
  for (const ConnectionStats& s : stats) failures += s.non_2xx + s.transport_errors;
  return failures == 0 && mismatches == 0 ? 0 : 1;
}
