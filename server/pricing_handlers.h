// Dynamic pricing routes: GET /v1/products/{id}/price?userId=&region= (the
// seed's calculateOptimalPrice for this shopper, with a price quote the cart
// will honour until it expires) and POST /v1/competitor-prices.
//
// Thread-safe. The price route runs inline (sub-millisecond, no disk); the
// competitor route on the blocking pool (store commit).
#ifndef AISLE_SERVER_PRICING_HANDLERS_H_
#define AISLE_SERVER_PRICING_HANDLERS_H_

#include "commerce/pricing_service.h"
#include "commerce/quote_book.h"
#include "index/product_index.h"
#include "server/http.h"
#include "server/router.h"
#include "store/competitor_price_store.h"

namespace aisle::server {

class PricingHandlers {
 public:
  // Not owned; all must outlive the handlers.
  PricingHandlers(const index::ProductIndex* index, const commerce::PricingService* pricing,
                  commerce::QuoteBook* quotes, store::CompetitorPriceStore* competitors);

  void Register(Router* router);
  Response GetPrice(Request& request) const;
  Response PostCompetitorPrices(Request& request) const;

 private:
  const index::ProductIndex* index_;
  const commerce::PricingService* pricing_;
  commerce::QuoteBook* quotes_;
  store::CompetitorPriceStore* competitors_;
};

// The pricing service's competitor lookup over the store.
commerce::CompetitorLookup StoreCompetitorLookup(const store::CompetitorPriceStore* store);

}  // namespace aisle::server

#endif  // AISLE_SERVER_PRICING_HANDLERS_H_
