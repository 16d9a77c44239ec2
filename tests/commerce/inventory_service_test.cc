// The inventory service over a real SQLite store with a fake clock: every
// change that moves availability is published, the sweeper expires due
// reservations and republishes, and the seed's limits hold.
#include "commerce/inventory_service.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kMinute = 60'000;

class InventoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.Sub("aisle.db");
    options.synchronous = store::SyncMode::kNormal;
    options.clock = &clock_;
    auto store = store::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    service_ = std::make_unique<InventoryService>(
        clock_, store_->inventory(), [this](const auto& available) {
          std::lock_guard lock(mu_);
          for (const auto& [id, units] : available) published_[id] = units;
          ++publications_;
        });
    ASSERT_TRUE(service_
                    ->UpsertWarehouses({{"w1", "North", 45, -93, "us"},
                                        {"w2", "South", 30, -97, "us"}})
                    .ok());
  }
  int64_t Published(const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = published_.find(id);
    return it == published_.end() ? -1 : it->second;
  }
  store::Reservation MustReserve(const std::string& product, int64_t quantity,
                                 const std::string& user = "u1") {
    auto r = service_->Reserve({.product_id = product, .quantity = quantity, .user_id = user});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : store::Reservation{};
  }

  testing::TempDir dir_;
  FakeClock clock_{1'750'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<InventoryService> service_;
  std::mutex mu_;
  std::map<std::string, int64_t> published_;
  int publications_ = 0;
};

TEST_F(InventoryServiceTest, StockAndReservationChangesArePublished) {
  auto stock = service_->SetStock("p1", {{"w1", 4}, {"w2", 6}});
  ASSERT_TRUE(stock.ok()) << stock.status();
  EXPECT_EQ(stock->on_hand_total, 10);
  EXPECT_EQ(Published("p1"), 10);
  const store::Reservation r = MustReserve("p1", 3);
  EXPECT_EQ(Published("p1"), 7);
  ASSERT_TRUE(service_->UpdateQuantity(r.id, 5).ok());
  EXPECT_EQ(Published("p1"), 5);
  ASSERT_TRUE(service_->Release(r.id).ok());
  EXPECT_EQ(Published("p1"), 10);
  EXPECT_EQ(service_->Stock("p1")->available, 10);
}

TEST_F(InventoryServiceTest, TheSeedsLimitsHold) {
  ASSERT_TRUE(service_->SetStock("p1", {{"w1", 100}}).ok());
  for (int i = 0; i < 10; ++i) MustReserve("p1", 1);
  auto eleventh = service_->Reserve({.product_id = "p1", .quantity = 1, .user_id = "u1"});
  EXPECT_EQ(eleventh.status().code(), absl::StatusCode::kResourceExhausted);
  auto too_many = service_->Reserve({.product_id = "p1", .quantity = 91, .user_id = "u2"});
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store::InsufficientStockAvailable(too_many.status()), 90);
  // Two extensions of 15 minutes, not three.
  const store::Reservation r = MustReserve("p1", 1, "u3");
  EXPECT_EQ(r.expires_at_ms, clock_.NowMillis() + 15 * kMinute);
  clock_.Advance(10 * kMinute);
  auto once = service_->Extend(r.id);
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(once->expires_at_ms, clock_.NowMillis() + 15 * kMinute);
  ASSERT_TRUE(service_->Extend(r.id).ok());
  EXPECT_EQ(service_->Extend(r.id).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(InventoryServiceTest, TheSweeperExpiresDueReservationsAndRepublishes) {
  ASSERT_TRUE(service_->SetStock("p1", {{"w1", 5}}).ok());
  ASSERT_TRUE(service_->SetStock("p2", {{"w2", 5}}).ok());
  const store::Reservation a = MustReserve("p1", 2);
  MustReserve("p2", 1, "u2");
  clock_.Advance(5 * kMinute);
  const store::Reservation c = MustReserve("p2", 3, "u3");
  EXPECT_EQ(Published("p1"), 3);
  EXPECT_EQ(Published("p2"), 1);
  clock_.Advance(10 * kMinute);  // a and b are due; c is not.
  auto swept = service_->SweepOnce();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 2);
  EXPECT_EQ(Published("p1"), 5);
  EXPECT_EQ(Published("p2"), 2);
  EXPECT_EQ(service_->GetReservation(a.id)->value().status, store::ReservationStatus::kExpired);
  EXPECT_EQ(service_->GetReservation(c.id)->value().status, store::ReservationStatus::kActive);
  EXPECT_EQ(*service_->SweepOnce(), 0) << "nothing left due";
}

TEST_F(InventoryServiceTest, PublishAllAndTheBackgroundSweeper) {
  ASSERT_TRUE(service_->SetStock("p1", {{"w1", 5}}).ok());
  ASSERT_TRUE(service_->SetStock("p2", {{"w1", 2}}).ok());
  MustReserve("p1", 1);
  {
    std::lock_guard lock(mu_);
    published_.clear();
  }
  ASSERT_TRUE(service_->PublishAll().ok());
  EXPECT_EQ(Published("p1"), 4);
  EXPECT_EQ(Published("p2"), 2);
  // The thread sweeps on start; Stop returns promptly and twice is fine.
  clock_.Advance(16 * kMinute);
  service_->Start();
  for (int i = 0; i < 200 && Published("p1") != 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Published("p1"), 5);
  service_->Stop();
  service_->Stop();
}

TEST_F(InventoryServiceTest, ErrorsComeBackUnchangedAndPublishNothing) {
  const int before = publications_;
  EXPECT_EQ(service_->SetStock("p1", {{"nowhere", 5}}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(service_->Reserve({.product_id = "p1", .quantity = 0, .user_id = "u"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Release("no-such-reservation").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(publications_, before + 1) << "only the partial SetStock republishes";
}

}  // namespace
}  // namespace aisle::commerce
