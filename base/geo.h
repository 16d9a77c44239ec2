// Points on the Earth and the great-circle distance between them, for
// choosing the warehouse closest to a shipping address (commerce/allocation.h).
//
// The Earth is modelled as a sphere of the IUGG mean radius. Against the
// WGS-84 ellipsoid that errs by up to about 0.5 %, which never changes which
// of two warehouses is nearer except when they are nearly equidistant, where
// either choice is as good.
#ifndef AISLE_BASE_GEO_H_
#define AISLE_BASE_GEO_H_

namespace aisle {

// IUGG mean Earth radius R1 = (2a + b) / 3, in kilometres.
inline constexpr double kEarthMeanRadiusKm = 6371.0088;

// Degrees; latitude north positive in [-90, 90], longitude east positive in
// [-180, 180].
struct LatLon {
  double latitude = 0;
  double longitude = 0;
  bool operator==(const LatLon&) const = default;
};

// True when both coordinates are finite and within the ranges above.
bool IsValidLatLon(LatLon point);

// Great-circle distance in kilometres by the haversine formula, which unlike
// the spherical law of cosines stays accurate for points metres apart.
// Symmetric, 0 for equal points, at most pi * kEarthMeanRadiusKm (about
// 20015 km, antipodes). Longitudes outside [-180, 180] work as angles; a NaN
// coordinate gives NaN.
double GreatCircleKm(LatLon a, LatLon b);

}  // namespace aisle

#endif  // AISLE_BASE_GEO_H_
