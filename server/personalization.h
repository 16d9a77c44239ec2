// Search personalization from the users' preference profiles: the adapter
// through which ranking/ (which does not depend on commerce/) reads a
// user's category, brand and price-range affinities.
//
// Thread-safe (UserPreferences is); the preferences are not owned.
#ifndef AISLE_SERVER_PERSONALIZATION_H_
#define AISLE_SERVER_PERSONALIZATION_H_

#include <string>

#include "commerce/user_preferences.h"
#include "index/product_index.h"
#include "ranking/searcher.h"

namespace aisle::server {

class PreferencesPersonalization : public ranking::PersonalizationSource {
 public:
  explicit PreferencesPersonalization(const commerce::UserPreferences* preferences)
      : preferences_(preferences) {}

  // The terms of UserPreferences::AffinityFor: a product's boost is its
  // category's + its brand's + its price range's, as AffinityProfile::Score.
  index::Personalization For(const std::string& user_id) const override;

 private:
  const commerce::UserPreferences* preferences_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_PERSONALIZATION_H_
