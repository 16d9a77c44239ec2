// HTTP load generator for carts and checkout: N keep-alive connections drive
// a running `aisle serve` through three phases and print per-operation
// latency (p50/p90/p99/max) and throughput.
//
//   cart       each connection repeats: POST /v1/carts (a fresh user), POST
//              an item, PATCH its quantity, DELETE it.
//   checkout   each connection repeats: a fresh user's cart with 1-3 lines,
//              then POST /v1/orders (Idempotency-Key, tok_visa, shipping
//              coordinates); the order placement is what is timed.
//   flashsale  one product with --flash-units units, --flash-shoppers
//              shoppers racing over the connections: cart, add 1 unit, and
//              order if the add succeeded. Checks that exactly the units sold
//              became orders, everyone else got 409 insufficient_stock, and
//              the product ends with onHand 0 and reserved 0 (PASS/FAIL).
//
//   build/release/bench/checkout_load --url 127.0.0.1:7795 [--connections 8]
//       [--seconds 10] [--orders 0] [--phase cart|checkout|flashsale|all]
//       [--products 1000] [--stocked 100] [--units 1000000]
//       [--flash-units 500] [--flash-shoppers 2000] [--flash-product ID]
//       [--stores 50] [--stores-file ../shared/data/catalogs/bestbuy-stores.json]
//       [--server-pid PID] [--show-errors 3] [--seed 1]
//
// Setup (not timed) works against the demo catalog (`aisle serve --demo N`,
// product ids p0000000...): it upserts a few warehouses with real coordinates
// (plus --stores Best Buy stores when the file is there) and sets --units on
// hand for the first --stocked products. Every run uses user ids of its own,
// so it can be repeated against the same server. Stock changes and orders are
// committed with fsync (the store's synchronous=FULL): the figures are the
// disk's as much as the CPU's. A failed request is counted, never fatal.
#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/load_util.h"
#include "server/http_client.h"
#include "server/json_writer.h"

namespace {

using Clock = std::chrono::steady_clock;
using aisle::server::ClientResponse;
using aisle::bench::MachineCpu;
using aisle::bench::Percentile;
using aisle::bench::ProcessCpuSeconds;
using aisle::bench::ReadMachineCpu;
using aisle::bench::Rng;
using aisle::bench::SelfCpuSeconds;
using aisle::bench::ThreadCpuSeconds;
using aisle::server::HttpClient;
using aisle::server::JsonWriter;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 7700;
  int connections = 8;
  double seconds = 10;  // Per timed phase.
  int64_t orders = 0;   // Checkout: stop after this many orders instead (0: --seconds).
  bool cart = true;
  bool checkout = true;
  bool flashsale = true;
  int products = 1000;  // The demo catalog's size.
  int stocked = 100;    // Products p0..p(stocked-1) get stock for cart and checkout.
  int64_t units = 1000000;
  int flash_units = 500;
  int flash_shoppers = 2000;
  std::string flash_product;  // Default: the catalog's last product.
  int stores = 50;
  std::string stores_file = "../shared/data/catalogs/bestbuy-stores.json";
  int server_pid = 0;
  int show_errors = 3;
  uint64_t seed = 1;
};

[[noreturn]] void Usage(const char* error) {
  std::fprintf(stderr,
               "%s\nusage: checkout_load --url HOST:PORT [--connections 8] [--seconds 10]\n"
               "  [--orders 0] [--phase cart|checkout|flashsale|all] [--products 1000]\n"
               "  [--stocked 100] [--units 1000000] [--flash-units 500]\n"
               "  [--flash-shoppers 2000] [--flash-product ID] [--stores 50]\n"
               "  [--stores-file PATH] [--server-pid PID] [--show-errors 3] [--seed 1]\n",
               error);
  std::exit(2);
}

// "host:port", with or without "http://".
void ParseUrl(std::string url, Options* o) {
  if (url.rfind("http://", 0) == 0) url = url.substr(7);
  if (!url.empty() && url.back() == '/') url.pop_back();
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos || colon == 0) Usage("--url: host:port");
  o->host = url.substr(0, colon);
  o->port = static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
}

void ParsePhase(const std::string& value, Options* o) {
  if (value != "cart" && value != "checkout" && value != "flashsale" && value != "all") {
    Usage("--phase: cart, checkout, flashsale or all");
  }
  o->cart = value == "cart" || value == "all";
  o->checkout = value == "checkout" || value == "all";
  o->flashsale = value == "flashsale" || value == "all";
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const std::string value = argv[i + 1];
    if (flag == "--url") {
      ParseUrl(value, &o);
    } else if (flag == "--connections") {
      o.connections = std::stoi(value);
    } else if (flag == "--seconds") {
      o.seconds = std::stod(value);
    } else if (flag == "--orders") {
      o.orders = std::stoll(value);
    } else if (flag == "--phase") {
      ParsePhase(value, &o);
    } else if (flag == "--products") {
      o.products = std::stoi(value);
    } else if (flag == "--stocked") {
      o.stocked = std::stoi(value);
    } else if (flag == "--units") {
      o.units = std::stoll(value);
    } else if (flag == "--flash-units") {
      o.flash_units = std::stoi(value);
    } else if (flag == "--flash-shoppers") {
      o.flash_shoppers = std::stoi(value);
    } else if (flag == "--flash-product") {
      o.flash_product = value;
    } else if (flag == "--stores") {
      o.stores = std::stoi(value);
    } else if (flag == "--stores-file") {
      o.stores_file = value;
    } else if (flag == "--server-pid") {
      o.server_pid = std::stoi(value);
    } else if (flag == "--show-errors") {
      o.show_errors = std::stoi(value);
    } else if (flag == "--seed") {
      o.seed = std::stoull(value);
    } else {
      Usage(("unknown flag " + flag).c_str());
    }
  }
  if (o.connections < 1 || o.stocked < 3 || o.products <= o.stocked || o.flash_units < 0 ||
      o.flash_shoppers < 0 || o.seconds <= 0 || o.units < 1) {
    Usage("--connections >= 1, --stocked >= 3, --products > --stocked, --seconds > 0");
  }
  return o;
}

// The demo catalog's id of product i (ingest/demo_catalog.cc).
std::string DemoId(int i) {
  const std::string digits = std::to_string(i);
  std::string id = "p";
  if (digits.size() < 7) id.append(7 - digits.size(), '0');
  id += digits;
  return id;
}

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ---------------------------------------------------------------- statistics

// One operation kind's outcomes on one connection (merged after the phase).
struct OpStats {
  std::vector<double> latencies_ms;  // Every answered request, whatever its status.
  std::map<int, uint64_t> statuses;  // HTTP status -> count.
  uint64_t transport_errors = 0;
  void Merge(const OpStats& other) {
    latencies_ms.insert(latencies_ms.end(), other.latencies_ms.begin(), other.latencies_ms.end());
    for (const auto& [status, n] : other.statuses) statuses[status] += n;
    transport_errors += other.transport_errors;
  }
};

// The first few unexpected answers, shared by the connections.
class ErrorLog {
 public:
  explicit ErrorLog(int keep) : keep_(keep) {}
  void Add(std::string_view what, const std::string& detail) {
    std::lock_guard lock(mu_);
    if (static_cast<int>(lines_.size()) < keep_) {
      lines_.push_back(absl::StrCat(std::string(what), ": ", detail.substr(0, 400)));
    }
  }
  void Print() {
    std::lock_guard lock(mu_);
    for (const std::string& line : lines_) std::printf("  error %s\n", line.c_str());
    lines_.clear();
  }

 private:
  const int keep_;
  std::mutex mu_;
  std::vector<std::string> lines_;  // Guarded by mu_.
};

// Sends one request and records its latency and status under `stats`;
// statuses other than `expected` go to the error log. Returns the response
// when the server answered.
std::optional<ClientResponse> Timed(
    HttpClient* client, OpStats* stats, ErrorLog* errors, std::string_view what, int expected,
    std::string_view method, const std::string& target, std::string_view body = {},
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  const auto t0 = Clock::now();
  auto r = client->Send(method, target, body, "application/json", headers);
  const auto t1 = Clock::now();
  if (!r.ok()) {
    stats->transport_errors++;
    errors->Add(what, std::string(r.status().message()));
    return std::nullopt;
  }
  stats->latencies_ms.push_back(Millis(t1 - t0));
  stats->statuses[r->status]++;
  if (r->status != expected) errors->Add(what, absl::StrCat("HTTP ", r->status, " ", r->body));
  return std::move(*r);
}

std::string StatusCounts(const OpStats& s) {
  std::string out;
  for (const auto& [status, n] : s.statuses)
    absl::StrAppend(&out, out.empty() ? "" : ",", status, ":", n);
  if (s.transport_errors)
    absl::StrAppend(&out, out.empty() ? "" : ",", "transport:", s.transport_errors);
  return out.empty() ? "-" : out;
}

void PrintOp(std::string_view name, OpStats s, double elapsed_s) {
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  const std::vector<double>& l = s.latencies_ms;
  std::printf(
      "  %-14s n=%-7zu %8.1f/s  latency_ms p50=%.3f p90=%.3f p99=%.3f max=%.3f  "
      "status=%s\n",
      std::string(name).c_str(), l.size(), l.size() / elapsed_s, Percentile(l, 0.5),
      Percentile(l, 0.9), Percentile(l, 0.99), l.empty() ? 0.0 : l.back(), StatusCounts(s).c_str());
}

// ---------------------------------------------------------------- CPU accounting

// Brackets a phase and prints where the CPU went during it.
class CpuMeter {
 public:
  explicit CpuMeter(int server_pid)
      : server_pid_(server_pid),
        machine_(ReadMachineCpu()),
        client_(SelfCpuSeconds()),
        server_(server_pid ? ProcessCpuSeconds(server_pid) : 0),
        threads_(server_pid ? ThreadCpuSeconds(server_pid) : std::map<std::string, double>()) {}

  void Print(double elapsed_s) const {
    const MachineCpu m = ReadMachineCpu();
    const double client = SelfCpuSeconds() - client_;
    std::printf("  cpu (%% of one core): client %.0f%%", 100 * client / elapsed_s);
    double server = 0;
    if (server_pid_) {
      server = ProcessCpuSeconds(server_pid_) - server_;
      std::printf(", server %.0f%% (busiest thread %.0f%%)", 100 * server / elapsed_s,
                  100 * BusiestThread() / elapsed_s);
    }
    const double busy = m.busy_s - machine_.busy_s;
    std::printf(", machine busy %.0f%% iowait %.0f%% of %.0f%%", 100 * busy / elapsed_s,
                100 * (m.iowait_s - machine_.iowait_s) / elapsed_s,
                100 * (m.total_s - machine_.total_s) / elapsed_s);
    if (server_pid_) std::printf(" (others %.0f%%)", 100 * (busy - client - server) / elapsed_s);
    std::printf("\n");
  }

 private:
  double BusiestThread() const {
    double most = 0;
    for (const auto& [tid, now] : ThreadCpuSeconds(server_pid_)) {
      const auto before = threads_.find(tid);
      most = std::max(most, now - (before == threads_.end() ? 0 : before->second));
    }
    return most;
  }

  const int server_pid_;
  const MachineCpu machine_;
  const double client_;
  const double server_;
  const std::map<std::string, double> threads_;  // Thread id -> CPU seconds at the start.
};

// ---------------------------------------------------------------- JSON helpers

// The string after "key": in a body the server wrote (no spaces); the first
// occurrence, which for a cart or an order is its own id.
std::string StringField(const std::string& body, std::string_view key) {
  const std::string needle = absl::StrCat("\"", std::string(key), "\":\"");
  const size_t at = body.find(needle);
  if (at == std::string::npos) return "";
  const size_t begin = at + needle.size();
  const size_t end = body.find('"', begin);
  return end == std::string::npos ? "" : body.substr(begin, end - begin);
}

std::string CartBody(std::string_view user) {
  JsonWriter w(64);
  w.BeginObject().Key("userId").String(user).EndObject();
  return w.Take();
}

std::string ItemBody(std::string_view product, int quantity) {
  JsonWriter w(64);
  w.BeginObject().Key("productId").String(product).Key("quantity").Int(quantity).EndObject();
  return w.Take();
}

std::string QuantityBody(int quantity) {
  JsonWriter w(32);
  w.BeginObject().Key("quantity").Int(quantity).EndObject();
  return w.Take();
}

// Shoppers anywhere in the contiguous United States, where the warehouses are.
std::string OrderBody(std::string_view user, std::string_view cart, Rng* rng) {
  JsonWriter w(256);
  w.BeginObject().Key("userId").String(user).Key("cartId").String(cart);
  w.Key("paymentToken").String("tok_visa").Key("shipping").BeginObject();
  w.Key("country").String("US").Key("latitude").Double(30 + 17 * rng->Unit());
  w.Key("longitude").Double(-122 + 47 * rng->Unit()).EndObject().EndObject();
  return w.Take();
}

// ---------------------------------------------------------------- setup

struct Warehouse {
  std::string id;
  std::string name;
  double latitude = 0;
  double longitude = 0;
};

// Regional distribution centres at real coordinates; always present, so the
// tool needs no data files.
std::vector<Warehouse> BuiltInWarehouses() {
  return {{"dc-minneapolis", "Minneapolis DC", 44.98, -93.27},
          {"dc-dallas", "Dallas DC", 32.78, -96.80},
          {"dc-atlanta", "Atlanta DC", 33.75, -84.39},
          {"dc-newark", "Newark DC", 40.74, -74.17},
          {"dc-reno", "Reno DC", 39.53, -119.81}};
}

// Up to `limit` Best Buy stores (../shared/data), spread over the file;
// none when it is absent (a fresh clone has no ../shared).
std::vector<Warehouse> StoreWarehouses(const Options& o) {
  std::vector<Warehouse> out;
  if (o.stores <= 0) return out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(o.stores_file).get(doc)) {
    std::fprintf(stderr, "setup: no stores file at %s: built-in warehouses only\n",
                 o.stores_file.c_str());
    return out;
  }
  simdjson::dom::array stores;
  if (doc.get_array().get(stores)) return out;
  const size_t step = std::max<size_t>(1, stores.size() / o.stores);
  for (size_t i = 0; i < stores.size() && static_cast<int>(out.size()) < o.stores; i += step) {
    simdjson::dom::element s = stores.at(i);
    int64_t id = 0;
    std::string_view name;
    Warehouse w;
    if (s["id"].get_int64().get(id) || s["name"].get_string().get(name) ||
        s["location"]["lat"].get_double().get(w.latitude) ||
        s["location"]["lon"].get_double().get(w.longitude)) {
      continue;
    }
    w.id = absl::StrCat("bby-", id);
    w.name = std::string(name);
    out.push_back(std::move(w));
  }
  return out;
}

bool Expect(const absl::StatusOr<ClientResponse>& r, int status, std::string_view what) {
  if (r.ok() && r->status == status) return true;
  std::fprintf(stderr, "setup: %s: %s\n", std::string(what).c_str(),
               r.ok() ? absl::StrCat("HTTP ", r->status, " ", r->body.substr(0, 300)).c_str()
                      : std::string(r.status().message()).c_str());
  return false;
}

bool PutWarehouses(HttpClient* client, const std::vector<Warehouse>& warehouses) {
  JsonWriter w(128 * warehouses.size());
  w.BeginObject().Key("warehouses").BeginArray();
  for (const Warehouse& h : warehouses) {
    w.BeginObject().Key("id").String(h.id).Key("name").String(h.name);
    w.Key("latitude").Double(h.latitude).Key("longitude").Double(h.longitude).EndObject();
  }
  w.EndArray().EndObject();
  return Expect(client->Send("PUT", "/v1/warehouses", w.Take()), 200, "PUT /v1/warehouses");
}

// Sets `units` on hand for `product`, split over `warehouses`.
bool PutStock(HttpClient* client, const std::string& product,
              const std::vector<const Warehouse*>& warehouses, int64_t units) {
  JsonWriter w(64 * warehouses.size());
  w.BeginObject().Key("warehouses").BeginArray();
  for (size_t i = 0; i < warehouses.size(); ++i) {
    const int64_t share =
        units / static_cast<int64_t>(warehouses.size()) +
        (static_cast<int64_t>(i) < units % static_cast<int64_t>(warehouses.size()));
    w.BeginObject().Key("warehouseId").String(warehouses[i]->id).Key("onHand").Int(share);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return Expect(client->Send("PUT", "/v1/inventory/" + product, w.Take()), 200,
                "PUT /v1/inventory/" + product);
}

// Every stocked product lies in every distribution centre and in 3 stores, so
// allocation has near and far warehouses to choose from.
std::vector<const Warehouse*> WarehousesOf(int product, const std::vector<Warehouse>& dcs,
                                           const std::vector<Warehouse>& stores) {
  std::vector<const Warehouse*> out;
  for (const Warehouse& w : dcs) out.push_back(&w);
  for (size_t k = 0; k < std::min<size_t>(3, stores.size()); ++k) {
    out.push_back(&stores[(product * 7 + k * 13) % stores.size()]);
  }
  return out;
}

struct Setup {
  std::vector<Warehouse> dcs;
  std::vector<Warehouse> stores;
};

bool RunSetup(const Options& o, Setup* setup) {
  const auto start = Clock::now();
  auto client = HttpClient::Create({o.host, o.port});
  setup->dcs = BuiltInWarehouses();
  setup->stores = StoreWarehouses(o);
  std::vector<Warehouse> all = setup->dcs;
  all.insert(all.end(), setup->stores.begin(), setup->stores.end());
  if (!PutWarehouses(client.get(), all)) return false;
  bool ok = true;
  if (o.cart || o.checkout) {
    for (int i = 0; i < o.stocked; ++i) {
      ok &= PutStock(client.get(), DemoId(i), WarehousesOf(i, setup->dcs, setup->stores), o.units);
    }
  }
  std::fprintf(stderr, "setup: %zu warehouses (%zu stores), %d products x %lld units in %.1f s\n",
               all.size(), setup->stores.size(), o.cart || o.checkout ? o.stocked : 0,
               static_cast<long long>(o.units),
               std::chrono::duration<double>(Clock::now() - start).count());
  return ok;
}

// ---------------------------------------------------------------- phases

// A user id no earlier run used: the server keeps every cart, and a user's
// active cart would be returned instead of a new one.
struct UserIds {
  std::string run;  // Unique per process.
  std::string Make(char phase, int connection, uint64_t n) const {
    return absl::StrCat(run, std::string(1, phase), connection, "-", n);
  }
};

Clock::time_point Deadline(const Options& o, Clock::time_point start) {
  return start +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
}

template <typename Work>
double RunConnections(int connections, Work work) {
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) threads.emplace_back(work, c);
  for (std::thread& t : threads) t.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --- cart

struct CartStats {
  OpStats create, add, patch, remove;
};

void CartLoop(const Options& o, const UserIds& users, int c, Clock::time_point deadline,
              CartStats* s, ErrorLog* errors) {
  auto client = HttpClient::Create({o.host, o.port});
  Rng rng(o.seed * 1000003 + c);
  for (uint64_t n = 0; Clock::now() < deadline; ++n) {
    const std::string user = users.Make('c', c, n);
    auto cart =
        Timed(client.get(), &s->create, errors, "create", 201, "POST", "/v1/carts", CartBody(user));
    const std::string id = cart ? StringField(cart->body, "id") : "";
    if (id.empty()) continue;
    const std::string product = DemoId(static_cast<int>(rng.Below(o.stocked)));
    const std::string items = "/v1/carts/" + id + "/items";
    if (!Timed(client.get(), &s->add, errors, "add", 200, "POST", items, ItemBody(product, 1))) {
      continue;
    }
    Timed(client.get(), &s->patch, errors, "patch", 200, "PATCH", items + "/" + product,
          QuantityBody(2 + static_cast<int>(rng.Below(3))));
    Timed(client.get(), &s->remove, errors, "delete", 200, "DELETE", items + "/" + product);
  }
}

void RunCartPhase(const Options& o, const UserIds& users) {
  std::vector<CartStats> per(o.connections);
  ErrorLog errors(o.show_errors);
  const CpuMeter cpu(o.server_pid);
  const auto deadline = Deadline(o, Clock::now());
  const double elapsed = RunConnections(
      o.connections, [&](int c) { CartLoop(o, users, c, deadline, &per[c], &errors); });
  CartStats total;
  for (const CartStats& s : per) {
    total.create.Merge(s.create);
    total.add.Merge(s.add);
    total.patch.Merge(s.patch);
    total.remove.Merge(s.remove);
  }
  OpStats all;
  for (const OpStats* s : {&total.create, &total.add, &total.patch, &total.remove}) all.Merge(*s);
  std::printf("phase=cart connections=%d duration=%.1fs\n", o.connections, elapsed);
  PrintOp("create", total.create, elapsed);
  PrintOp("add_item", total.add, elapsed);
  PrintOp("patch_qty", total.patch, elapsed);
  PrintOp("delete_item", total.remove, elapsed);
  PrintOp("all", all, elapsed);
  cpu.Print(elapsed);
  errors.Print();
}

// --- checkout

struct CheckoutStats {
  OpStats cart_ops;  // Create and add: the preparation, not the measured step.
  OpStats order;
};

// A fresh user's cart with 1-3 distinct stocked products; its id, or "" when
// a step failed.
std::string FillCart(const Options& o, HttpClient* client, const std::string& user, Rng* rng,
                     OpStats* stats, ErrorLog* errors) {
  auto cart =
      Timed(client, stats, errors, "checkout create", 201, "POST", "/v1/carts", CartBody(user));
  const std::string id = cart ? StringField(cart->body, "id") : "";
  if (id.empty()) return "";
  const int lines = 1 + static_cast<int>(rng->Below(3));
  const int first = static_cast<int>(rng->Below(o.stocked));
  for (int k = 0; k < lines; ++k) {
    const std::string product = DemoId((first + k) % o.stocked);
    auto added =
        Timed(client, stats, errors, "checkout add", 200, "POST", "/v1/carts/" + id + "/items",
              ItemBody(product, 1 + static_cast<int>(rng->Below(2))));
    if (!added || added->status != 200) return "";
  }
  return id;
}

void CheckoutLoop(const Options& o, const UserIds& users, int c, Clock::time_point deadline,
                  std::atomic<int64_t>* budget, CheckoutStats* s, ErrorLog* errors) {
  auto client = HttpClient::Create({o.host, o.port});
  Rng rng(o.seed * 2000003 + c);
  for (uint64_t n = 0;; ++n) {
    if (o.orders > 0 ? budget->fetch_sub(1) <= 0 : Clock::now() >= deadline) break;
    const std::string user = users.Make('o', c, n);
    const std::string cart = FillCart(o, client.get(), user, &rng, &s->cart_ops, errors);
    if (cart.empty()) continue;
    Timed(client.get(), &s->order, errors, "order", 201, "POST", "/v1/orders",
          OrderBody(user, cart, &rng), {{"Idempotency-Key", "ik-" + user}});
  }
}

void RunCheckoutPhase(const Options& o, const UserIds& users) {
  std::vector<CheckoutStats> per(o.connections);
  ErrorLog errors(o.show_errors);
  std::atomic<int64_t> budget{o.orders};
  const CpuMeter cpu(o.server_pid);
  const auto deadline = Deadline(o, Clock::now());
  const double elapsed = RunConnections(o.connections, [&](int c) {
    CheckoutLoop(o, users, c, deadline, &budget, &per[c], &errors);
  });
  CheckoutStats total;
  for (const CheckoutStats& s : per) {
    total.cart_ops.Merge(s.cart_ops);
    total.order.Merge(s.order);
  }
  uint64_t placed = total.order.statuses[201];
  const uint64_t failed = total.order.latencies_ms.size() - placed + total.order.transport_errors;
  std::printf(
      "phase=checkout connections=%d duration=%.1fs orders_placed=%llu orders/s=%.1f "
      "non201=%llu\n",
      o.connections, elapsed, static_cast<unsigned long long>(placed), placed / elapsed,
      static_cast<unsigned long long>(failed));
  PrintOp("order", total.order, elapsed);
  PrintOp("cart_prep", total.cart_ops, elapsed);
  cpu.Print(elapsed);
  errors.Print();
}

// --- flash sale

struct FlashCounters {
  std::atomic<int64_t> orders_201{0};
  std::atomic<int64_t> add_409_stock{0};    // insufficient_stock when adding to the cart.
  std::atomic<int64_t> order_409_stock{0};  // insufficient_stock at checkout.
  std::atomic<int64_t> other{0};            // Any other status, or no answer.
  std::atomic<int64_t> sold_out_ns{-1};     // When the last unit's order was placed.
};

struct FlashStats {
  OpStats create, add, order;
};

bool InsufficientStock(const std::optional<ClientResponse>& r) {
  return r && r->status == 409 && r->body.find("insufficient_stock") != std::string::npos;
}

// One shopper: cart, 1 unit, order. Outcomes go to the counters.
void Shop(const Options& o, HttpClient* client, const std::string& user, int64_t expected,
          Clock::time_point start, Rng* rng, FlashStats* s, FlashCounters* n, ErrorLog* errors) {
  auto cart =
      Timed(client, &s->create, errors, "flash create", 201, "POST", "/v1/carts", CartBody(user));
  const std::string id = cart ? StringField(cart->body, "id") : "";
  if (id.empty()) {
    n->other++;
    return;
  }
  // 409 insufficient_stock is an expected answer here: not logged as an error.
  OpStats unlogged;
  ErrorLog quiet(0);
  auto added = Timed(client, &unlogged, &quiet, "", 200, "POST", "/v1/carts/" + id + "/items",
                     ItemBody(o.flash_product, 1));
  s->add.Merge(unlogged);
  if (InsufficientStock(added)) {
    n->add_409_stock++;
    return;
  }
  if (!added || added->status != 200) {
    errors->Add("flash add", added ? absl::StrCat("HTTP ", added->status, " ", added->body)
                                   : std::string("no answer"));
    n->other++;
    return;
  }
  auto order = Timed(client, &s->order, errors, "flash order", 201, "POST", "/v1/orders",
                     OrderBody(user, id, rng), {{"Idempotency-Key", "ik-" + user}});
  if (order && order->status == 201) {
    if (n->orders_201.fetch_add(1) + 1 == expected) {
      n->sold_out_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    }
  } else if (InsufficientStock(order)) {
    n->order_409_stock++;
  } else {
    n->other++;
  }
}

struct InventoryView {
  int64_t on_hand = -1;
  int64_t reserved = -1;
  int64_t available = -1;
};

std::optional<InventoryView> ReadInventory(const Options& o, const std::string& product) {
  auto client = HttpClient::Create({o.host, o.port});
  auto r = client->Send("GET", "/v1/inventory/" + product);
  if (!r.ok() || r->status != 200) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  InventoryView v;
  if (parser.parse(r->body).get(doc) || doc["onHand"].get_int64().get(v.on_hand) ||
      doc["reserved"].get_int64().get(v.reserved) ||
      doc["available"].get_int64().get(v.available)) {
    return std::nullopt;
  }
  return v;
}

int Check(bool ok, const std::string& what) {
  std::printf("  %s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  return ok ? 0 : 1;
}

// Returns the number of failed invariants.
int ReportFlash(const Options& o, FlashStats total, const FlashCounters& n, double elapsed) {
  const int64_t expected = std::min(o.flash_units, o.flash_shoppers);
  const int64_t orders = n.orders_201;
  const int64_t stock_409 = n.add_409_stock + n.order_409_stock;
  const double sold_out_s = n.sold_out_ns >= 0 ? n.sold_out_ns / 1e9 : -1;
  std::printf(
      "phase=flashsale connections=%d units=%d shoppers=%d duration=%.2fs "
      "sold_out_after=%.2fs orders/s=%.1f\n",
      o.connections, o.flash_units, o.flash_shoppers, elapsed, sold_out_s,
      sold_out_s > 0 ? orders / sold_out_s : 0.0);
  std::printf(
      "  orders_201=%lld add_409_insufficient_stock=%lld "
      "order_409_insufficient_stock=%lld other=%lld\n",
      static_cast<long long>(orders), static_cast<long long>(n.add_409_stock.load()),
      static_cast<long long>(n.order_409_stock.load()), static_cast<long long>(n.other.load()));
  PrintOp("create", total.create, elapsed);
  PrintOp("add_item", total.add, elapsed);
  PrintOp("order", total.order, elapsed);
  int failures = 0;
  failures +=
      Check(orders == expected, absl::StrCat("orders 201 = ", orders, ", expected ", expected));
  failures +=
      Check(n.other == 0, absl::StrCat("other statuses = ", n.other.load(), ", expected 0"));
  failures += Check(stock_409 == o.flash_shoppers - expected,
                    absl::StrCat("409 insufficient_stock = ", stock_409, ", expected ",
                                 o.flash_shoppers - expected));
  const std::optional<InventoryView> v = ReadInventory(o, o.flash_product);
  const int64_t left = o.flash_units - expected;
  failures += Check(v.has_value() && v->on_hand == left && v->reserved == 0,
                    v ? absl::StrCat("GET /v1/inventory/", o.flash_product, ": onHand ", v->on_hand,
                                     " reserved ", v->reserved, " available ", v->available,
                                     ", expected onHand ", left, " reserved 0")
                      : std::string("GET /v1/inventory: no readable answer"));
  return failures;
}

int RunFlashPhase(const Options& o, const UserIds& users, const Setup& setup) {
  // The units sit in the distribution centres, so allocation splits orders.
  std::vector<const Warehouse*> dcs;
  for (const Warehouse& w : setup.dcs) dcs.push_back(&w);
  auto client = HttpClient::Create({o.host, o.port});
  if (!PutStock(client.get(), o.flash_product, dcs, o.flash_units)) return 1;
  std::vector<FlashStats> per(o.connections);
  FlashCounters counters;
  ErrorLog errors(o.show_errors);
  std::atomic<int> next_shopper{0};
  const int64_t expected = std::min(o.flash_units, o.flash_shoppers);
  const CpuMeter cpu(o.server_pid);
  const auto start = Clock::now();
  const double elapsed = RunConnections(o.connections, [&](int c) {
    auto shopper_client = HttpClient::Create({o.host, o.port});
    Rng rng(o.seed * 3000017 + c);
    for (int i; (i = next_shopper++) < o.flash_shoppers;) {
      Shop(o, shopper_client.get(), users.Make('f', 0, i), expected, start, &rng, &per[c],
           &counters, &errors);
    }
  });
  FlashStats total;
  for (const FlashStats& s : per) {
    total.create.Merge(s.create);
    total.add.Merge(s.add);
    total.order.Merge(s.order);
  }
  const int failures = ReportFlash(o, std::move(total), counters, elapsed);
  cpu.Print(elapsed);
  errors.Print();
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  if (o.flash_product.empty()) o.flash_product = DemoId(o.products - 1);
  Setup setup;
  if (!RunSetup(o, &setup)) std::fprintf(stderr, "setup: some requests failed; going on\n");
  // Process id and start time: unique across runs against one server.
  const UserIds users{absl::StrCat("lt", getpid(), "t",
                                   std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count(),
                                   "-")};
  if (o.cart) RunCartPhase(o, users);
  if (o.checkout) RunCheckoutPhase(o, users);
  int failures = 0;
  if (o.flashsale) failures = RunFlashPhase(o, users, setup);
  return failures == 0 ? 0 : 1;
}
