#include "base/geo.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

namespace aisle {
namespace {

constexpr LatLon kNewYork{40.7128, -74.0060};
constexpr LatLon kLondon{51.5074, -0.1278};

TEST(GreatCircleKm, SamePointIsZero) {
  EXPECT_EQ(GreatCircleKm(kNewYork, kNewYork), 0);
  EXPECT_EQ(GreatCircleKm({0, 0}, {0, 0}), 0);
  // The pole has every longitude; cos(90 degrees) is 6e-17 in doubles, not 0.
  EXPECT_NEAR(GreatCircleKm({90, 0}, {90, 135}), 0, 1e-9);
}

TEST(GreatCircleKm, NewYorkToLondon) {
  // Published great-circle figures are 5570 km (spherical) to 5585 km (ellipsoid).
  EXPECT_NEAR(GreatCircleKm(kNewYork, kLondon), 5570.23, 0.01);
  EXPECT_EQ(GreatCircleKm(kNewYork, kLondon), GreatCircleKm(kLondon, kNewYork));
}

TEST(GreatCircleKm, OneDegreeAlongAMeridianAndTheEquator) {
  // 1 degree of arc = R * pi / 180 = 6371.0088 * 0.0174532925... = 111.19508 km.
  const double one_degree = kEarthMeanRadiusKm * std::numbers::pi / 180;
  EXPECT_NEAR(one_degree, 111.19508, 1e-5);
  EXPECT_NEAR(GreatCircleKm({0, 0}, {1, 0}), one_degree, 1e-9);
  EXPECT_NEAR(GreatCircleKm({0, 0}, {0, 1}), one_degree, 1e-9);
  EXPECT_NEAR(GreatCircleKm({-0.5, 10}, {0.5, 10}), one_degree, 1e-9);
  // Across the antimeridian: 179.5 E to 179.5 W is one degree, not 359.
  EXPECT_NEAR(GreatCircleKm({0, 179.5}, {0, -179.5}), one_degree, 1e-9);
}

TEST(GreatCircleKm, AntipodesAreHalfACircumference) {
  const double half = std::numbers::pi * kEarthMeanRadiusKm;  // 20015.114 km.
  EXPECT_NEAR(half, 20015.114, 1e-3);
  EXPECT_NEAR(GreatCircleKm({0, 0}, {0, 180}), half, 1e-6);
  EXPECT_NEAR(GreatCircleKm({90, 0}, {-90, 0}), half, 1e-6);
  // Off the axes h rounds near 1; the error stays well under a metre.
  EXPECT_NEAR(GreatCircleKm({10, 20}, {-10, -160}), half, 1e-3);
  EXPECT_NEAR(GreatCircleKm(kNewYork, {-40.7128, 105.9940}), half, 1e-3);
}

TEST(GreatCircleKm, MetresApartStayAccurate) {
  // 0.00001 degree of latitude = 1.1119508 m.
  EXPECT_NEAR(GreatCircleKm({45, 7}, {45.00001, 7}), 0.0011119508, 1e-9);
}

TEST(GreatCircleKm, NanPropagates) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(GreatCircleKm({nan, 0}, {0, 0})));
}

TEST(IsValidLatLon, RangesAndNonFinite) {
  EXPECT_TRUE(IsValidLatLon({0, 0}));
  EXPECT_TRUE(IsValidLatLon({90, 180}));
  EXPECT_TRUE(IsValidLatLon({-90, -180}));
  EXPECT_FALSE(IsValidLatLon({90.0001, 0}));
  EXPECT_FALSE(IsValidLatLon({0, -180.0001}));
  EXPECT_FALSE(IsValidLatLon({std::numeric_limits<double>::quiet_NaN(), 0}));
  EXPECT_FALSE(IsValidLatLon({0, std::numeric_limits<double>::infinity()}));
}

}  // namespace
}  // namespace aisle
