// Fraud settings route: GET|PUT /v1/settings/fraud, every weight, rule
// threshold, rule score and risk level of the fraud screen, and the IP
// country table (commerce/fraud.h; docs/FRAUD.md section 3 lists each JSON
// name, its C++ field and its default).
//
// PUT is a partial update: fields left out keep their current values, so an
// operator tuning one score cannot wipe the IP table or tuned weights by
// omission. Arrays are values, not collections to merge: "ipCountries"
// replaces the whole table ([] empties it). The merged settings must pass
// FraudSettings::Validate(); they are committed to the store (durable), then
// become current and are handed to `on_change` (the checkout's screen swaps
// them in). LoadFraudSettings reads the stored ones at start-up.
//
// Thread-safe: GET reads a snapshot under a mutex; PUTs are serialized (the
// merge reads the current settings, so two concurrent PUTs must not both
// merge onto the same base) and run on the blocking pool (the commit fsyncs).
#ifndef AISLE_SERVER_FRAUD_SETTINGS_H_
#define AISLE_SERVER_FRAUD_SETTINGS_H_

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "commerce/fraud.h"
#include "server/http.h"
#include "server/router.h"
#include "store/kv_stores.h"

namespace aisle::server {

// The settings store key of the fraud settings.
inline constexpr std::string_view kFraudSettingsKey = "fraud";

// The full settings as JSON: {"weights": {...}, "velocity": {...},
// "payment": {...}, "geography": {...}, "behaviour": {...}, "device": {...},
// "levels": {...}, "ipCountries": [{"cidr": "203.0.113.0/24", "country":
// "AU"}]}, every field present, names as in docs/FRAUD.md.
std::string FraudSettingsJson(const commerce::FraudSettings& settings);

// `base` with the fields `body` names replaced (any subset of the JSON above;
// "ipCountries" replaces the whole table). InvalidArgument naming the field
// for malformed JSON or invalid UTF-8 ("body"), unknown fields (the object
// holding them, e.g. "velocity"), wrong types (e.g. "velocity.maxOrdersPerHour"
// wants an integer) and merged settings that fail Validate().
absl::StatusOr<commerce::FraudSettings> ParseFraudSettings(std::string_view body,
                                                           const commerce::FraudSettings& base);

// The stored fraud settings (the defaults when none were stored). DataLoss
// when the stored text no longer parses or validates, so start-up fails
// rather than screening with settings nobody chose.
absl::StatusOr<commerce::FraudSettings> LoadFraudSettings(const store::SettingsStore& settings);

class FraudSettingsHandlers {
 public:
  // Called after a PUT is stored, with the new settings, on the PUT's thread;
  // calls are serialized, in the order the settings were stored. Must not
  // call back into Put.
  using OnChange = std::function<void(const commerce::FraudSettings&)>;

  // `settings` is not owned and must outlive the handlers. `initial` must
  // pass Validate() (LoadFraudSettings' result). `on_change` may be empty.
  FraudSettingsHandlers(store::SettingsStore* settings, commerce::FraudSettings initial,
                        OnChange on_change);

  void Register(Router* router);
  Response Get(Request& request) const;
  Response Put(Request& request);

  // A copy of the current settings.
  commerce::FraudSettings current() const;

 private:
  store::SettingsStore* settings_;
  OnChange on_change_;
  std::mutex put_mu_;  // Serializes Put: merge, commit, swap, notify.
  mutable std::mutex mu_;
  commerce::FraudSettings current_;  // Guarded by mu_.
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_FRAUD_SETTINGS_H_
