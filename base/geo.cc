#include "base/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace aisle {
namespace {

double Radians(double degrees) { return degrees * (std::numbers::pi / 180.0); }

}  // namespace

bool IsValidLatLon(LatLon point) {
  // Written so that NaN fails every comparison and so the check.
  return point.latitude >= -90 && point.latitude <= 90 && point.longitude >= -180 &&
         point.longitude <= 180;
}

double GreatCircleKm(LatLon a, LatLon b) {
  const double sin_half_dlat = std::sin(Radians(b.latitude - a.latitude) / 2);
  const double sin_half_dlon = std::sin(Radians(b.longitude - a.longitude) / 2);
  const double h = sin_half_dlat * sin_half_dlat + std::cos(Radians(a.latitude)) *
                                                       std::cos(Radians(b.latitude)) *
                                                       sin_half_dlon * sin_half_dlon;
  // Rounding can push h a hair outside [0, 1] near antipodes, where the square
  // roots would give NaN; atan2 is better conditioned there than asin.
  const double clamped = std::clamp(h, 0.0, 1.0);
  return 2 * kEarthMeanRadiusKm * std::atan2(std::sqrt(clamped), std::sqrt(1 - clamped));
}

}  // namespace aisle
