// The `aisle` binary as a user runs it: started, fed, killed with SIGKILL
// right after acknowledged writes, restarted; nothing acknowledged is lost.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// One `aisle serve` child process.
class AisleProcess {
 public:
  AisleProcess(std::string data_dir, std::string log_path)
      : data_dir_(std::move(data_dir)), log_path_(std::move(log_path)) {}
  ~AisleProcess() {
    if (pid_ > 0) Signal(SIGKILL);
  }

  void Start(std::vector<std::string> extra = {}) {
    port_ = FreePort();
    std::vector<std::string> args = {
        testing::BuiltBinary("aisle"), "serve",     "--data", data_dir_, "--port",
        std::to_string(port_),         "--threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(log, 1);
      ::dup2(log, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    HttpClientOptions options;
    options.port = port_;
    options.timeout = std::chrono::milliseconds(5000);
    client_ = HttpClient::Create(options);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = client_->Send("GET", "/health");
      if (r.ok() && r->status == 200) return;
      int status;
      ASSERT_EQ(::waitpid(pid_, &status, WNOHANG), 0) << "aisle exited early; see " << log_path_;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "aisle did not become healthy; see " << log_path_;
  }

  // Sends `sig` and reaps the process; returns its wait status.
  int Signal(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  HttpClient* client() { return client_.get(); }
  uint16_t port() const { return port_; }
  std::unique_ptr<HttpClient> NewClient() const {
    HttpClientOptions options;
    options.port = port_;
    return HttpClient::Create(options);
  }

 private:
  std::string data_dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::unique_ptr<HttpClient> client_;
};

std::string Batch(int batch, int size) {
  std::string body = "[";
  for (int i = 0; i < size; ++i) {
    absl::StrAppend(&body, i ? "," : "", R"({"id":"k)", batch, "-", i,
                    R"(","title":"Durable Lantern )", batch, R"(","price":)", i + 1, "}");
  }
  return body + "]";
}

TEST(AisleProcess, KillNineRightAfterAcknowledgedIngestLosesNothing) {
  testing::TempDir dir;
  AisleProcess aisle(dir.Sub("data"), dir.Sub("aisle.log"));
  ASSERT_NO_FATAL_FAILURE(aisle.Start());

  // Two writers stream batches; the process is killed while they run.
  std::atomic<bool> stop{false};
  std::vector<std::vector<int>> acked(2);
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      auto client = aisle.NewClient();
      for (int b = w; !stop; b += 2) {
        auto r = client->Send("POST", "/v1/products", Batch(b, 50));
        if (!r.ok() || r->status != 200) break;
        acked[w].push_back(b);
      }
    });
  }
  while (acked[0].size() + acked[1].size() < 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int status = aisle.Signal(SIGKILL);
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(WIFSIGNALED(status));

  ASSERT_NO_FATAL_FAILURE(aisle.Start());
  size_t checked = 0;
  for (const auto& batches : acked) {
    for (int b : batches) {
      for (int i : {0, 49}) {
        auto r = aisle.client()->Send("GET", absl::StrCat("/v1/products/k", b, "-", i));
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->status, 200) << "acknowledged product k" << b << "-" << i << " is missing";
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 40u);
  auto r = aisle.client()->Send("POST", "/v1/search", R"({"q":"durable lantern","hitsPerPage":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_GE(JsonBody(r->body).Uint("/totalHits"), (acked[0].size() + acked[1].size()) * 50);
  aisle.Signal(SIGTERM);
}

TEST(AisleProcess, SigtermDrainsAndRestartKeepsTheData) {
  testing::TempDir dir;
  AisleProcess aisle(dir.Sub("data"), dir.Sub("aisle.log"));
  ASSERT_NO_FATAL_FAILURE(aisle.Start({"--demo", "3000"}));
  auto r = aisle.client()->Send("GET", "/v1/search?q=tea&facets=brand,categories.lvl0&limit=5");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  JsonBody before(r->body);
  const uint64_t hits = before.Uint("/estimatedTotalHits");
  ASSERT_GT(hits, 0u) << r->body;
  ASSERT_TRUE(
      aisle.client()->Send("PATCH", "/v1/products/p0000007", R"({"title":"Renamed Item"})").ok());

  const int status = aisle.Signal(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  ASSERT_NO_FATAL_FAILURE(aisle.Start({"--demo", "3000"}));  // Not reloaded: index not empty.
  JsonBody stats(aisle.client()->Send("GET", "/v1/stats")->body);
  EXPECT_EQ(stats.Uint("/numberOfDocuments"), 3000u);
  JsonBody after(aisle.client()->Send("GET", "/v1/search?q=tea&facets=brand&limit=5")->body);
  EXPECT_EQ(after.Uint("/estimatedTotalHits"), hits);
  JsonBody renamed(aisle.client()->Send("GET", "/v1/products/p0000007")->body);
  EXPECT_EQ(renamed.String("/title"), "Renamed Item");
  aisle.Signal(SIGTERM);
}

TEST(AisleProcess, AcknowledgedLiveSignalsSurviveKillNine) {
  testing::TempDir dir;
  AisleProcess aisle(dir.Sub("data"), dir.Sub("aisle.log"));
  ASSERT_NO_FATAL_FAILURE(aisle.Start({"--demo", "500"}));
  std::string body = "[";
  for (int i = 0; i < 200; ++i) {
    absl::StrAppend(&body, i ? "," : "", R"({"productId":"p)", absl::StrFormat("%07d", i),
                    R"(","price":)", 1000 + i, R"(,"stock":)", i % 5, "}");
  }
  body += "]";
  auto r = aisle.client()->Send("POST", "/v1/products/signals", body);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  r = aisle.client()->Send("PATCH", "/v1/products/p0000300", R"({"price": 0.5, "stock": 0})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  aisle.Signal(SIGKILL);

  ASSERT_NO_FATAL_FAILURE(aisle.Start());
  for (int i : {0, 77, 199}) {
    JsonBody signals(
        aisle.client()->Send("GET", absl::StrFormat("/v1/products/p%07d/signals", i))->body);
    // The pushed price is the base price; the live price is the dynamic
    // price the restarted server computes from it, within the seed's bounds.
    double base = 0, price = 0;
    ASSERT_FALSE(signals["/basePrice"].get_double().get(base));
    ASSERT_FALSE(signals["/price"].get_double().get(price));
    EXPECT_EQ(base, 1000 + i);
    EXPECT_GE(price, 0.7 * base);
    EXPECT_LE(price, 1.5 * base);
    EXPECT_EQ(signals.Uint("/stock"), static_cast<uint64_t>(i % 5));
  }
  JsonBody cheapest(aisle.client()
                        ->Send("POST", "/v1/search",
                               R"({"sort":["price:asc"],"limit":1,"filter":"inStock = false"})")
                        ->body);
  EXPECT_EQ(cheapest.String("/hits/0/id"), "p0000300");
  aisle.Signal(SIGTERM);
}


// The issue's crash test: orders stream in from four shoppers and the process
// is killed with SIGKILL mid-stream. After a restart every acknowledged order
// is there, and each warehouse's stock equals its initial count minus what
// the orders that reached allocation took from it, to the unit.
TEST(AisleProcess, KillNineDuringOrdersKeepsEveryAcknowledgedOrderAndTheStock) {
  testing::TempDir dir;
  AisleProcess aisle(dir.Sub("data"), dir.Sub("aisle.log"));
  ASSERT_NO_FATAL_FAILURE(aisle.Start());
  auto setup = [&](std::string_view method, std::string target, std::string body) {
    auto r = aisle.client()->Send(method, target, body);
    ASSERT_TRUE(r.ok() && r->status == 200) << target << ": " << (r.ok() ? r->body : "");
  };
  setup("POST", "/v1/products", R"([{"id": "bolt", "title": "Steel Bolt", "price": 2.5}])");
  setup("PUT", "/v1/warehouses", R"({"warehouses": [
    {"id": "east", "latitude": 40.7, "longitude": -74.0},
    {"id": "west", "latitude": 34.0, "longitude": -118.2}]})");
  setup("PUT", "/v1/inventory/bolt", R"({"warehouses": [
    {"warehouseId": "east", "onHand": 5000}, {"warehouseId": "west", "onHand": 5000}]})");

  constexpr int kShoppers = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_count{0};
  std::vector<std::vector<std::string>> acknowledged(kShoppers);  // Order ids.
  std::vector<int> attempts(kShoppers, 0);                        // Users u<s>-0 .. u<s>-(n-1).
  std::vector<std::thread> shoppers;
  for (int s = 0; s < kShoppers; ++s) {
    shoppers.emplace_back([&, s] {
      auto client = aisle.NewClient();
      for (int n = 0; !stop; ++n) {
        const std::string user = absl::StrCat("u", s, "-", n);
        attempts[s] = n + 1;
        auto r = client->Send("POST", "/v1/carts", absl::StrCat(R"({"userId": ")", user, R"("})"));
        if (!r.ok() || r->status != 201) break;
        const std::string cart = JsonBody(r->body).String("/id");
        r = client->Send("POST", "/v1/carts/" + cart + "/items",
                         absl::StrCat(R"({"productId": "bolt", "quantity": )", 1 + n % 3, "}"));
        if (!r.ok() || r->status != 200) break;
        // West-coast and east-coast shoppers draw from both warehouses.
        r = client->Send("POST", "/v1/orders",
                         absl::StrCat(R"({"userId": ")", user, R"(", "cartId": ")", cart,
                                      R"(", "paymentToken": "tok_visa", "shipping": {"country": "US",
                                      "latitude": )", s % 2 ? 34.1 : 40.8,
                                      R"(, "longitude": )", s % 2 ? -118.0 : -73.9, "}}"),
                         "application/json", {{"Idempotency-Key", user}});
        if (!r.ok() || r->status != 201) break;
        acknowledged[s].push_back(JsonBody(r->body).String("/id"));
        ++acknowledged_count;
      }
    });
  }
  while (acknowledged_count < 40) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int status = aisle.Signal(SIGKILL);
  stop = true;
  for (auto& t : shoppers) t.join();
  ASSERT_TRUE(WIFSIGNALED(status));

  ASSERT_NO_FATAL_FAILURE(aisle.Start());
  HttpClient* client = aisle.client();
  for (const auto& ids : acknowledged) {
    for (const std::string& id : ids) {
      auto r = client->Send("GET", "/v1/orders/" + id);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200) << "acknowledged order " << id << " is missing";
      EXPECT_EQ(JsonBody(r->body).String("/status"), "preparing") << id;
    }
  }
  // What every order that reached allocation took, per warehouse (orders
  // the kill interrupted before allocation took nothing).
  std::map<std::string, int64_t> taken;
  size_t allocated_orders = 0;
  for (int s = 0; s < kShoppers; ++s) {
    for (int n = 0; n < attempts[s]; ++n) {
      auto r = client->Send("GET", absl::StrCat("/v1/users/u", s, "-", n, "/orders"));
      ASSERT_TRUE(r.ok() && r->status == 200);
      JsonBody orders(r->body);
      for (size_t i = 0; i < orders.Size("/orders"); ++i) {
        const std::string id = orders.String(absl::StrCat("/orders/", i, "/id").c_str());
        JsonBody order(client->Send("GET", "/v1/orders/" + id)->body);
        if (order.String("/status") != "preparing") continue;
        ++allocated_orders;
        for (size_t t = 0; t < order.Size("/fulfillmentTasks"); ++t) {
          const std::string task = absl::StrCat("/fulfillmentTasks/", t);
          taken[order.String((task + "/warehouseId").c_str())] +=
              order.Uint((task + "/items/0/quantity").c_str());
        }
      }
    }
  }
  EXPECT_GE(allocated_orders, static_cast<size_t>(acknowledged_count.load()));
  JsonBody stock(client->Send("GET", "/v1/inventory/bolt")->body);
  EXPECT_EQ(stock.String("/warehouses/0/warehouseId"), "east");
  EXPECT_EQ(static_cast<int64_t>(stock.Uint("/warehouses/0/onHand")), 5000 - taken["east"]);
  EXPECT_EQ(static_cast<int64_t>(stock.Uint("/warehouses/1/onHand")), 5000 - taken["west"]);
  EXPECT_GT(taken["east"], 0);
  EXPECT_GT(taken["west"], 0);
  aisle.Signal(SIGTERM);
}

}  // namespace
}  // namespace aisle::server
