#include "base/product.h"

namespace aisle {
namespace {

template <typename T>
void Assign(const std::optional<T>& from, T* to) {
  if (from) *to = *from;
}

}  // namespace

bool ProductPatch::empty() const {
  return !title && !description && !brand && !categories && !attributes && !price && !cost &&
         !currency && !image_url && !rating && !popularity && !created_at && !tags &&
         !hidden;
}

void ApplyPatch(const ProductPatch& patch, Product* product) {
  Assign(patch.title, &product->title);
  Assign(patch.description, &product->description);
  Assign(patch.brand, &product->brand);
  Assign(patch.categories, &product->categories);
  Assign(patch.attributes, &product->attributes);
  Assign(patch.price, &product->price);
  Assign(patch.cost, &product->cost);
  Assign(patch.currency, &product->currency);
  Assign(patch.image_url, &product->image_url);
  Assign(patch.rating, &product->rating);
  Assign(patch.popularity, &product->popularity);
  Assign(patch.created_at, &product->created_at);
  Assign(patch.tags, &product->tags);
  Assign(patch.hidden, &product->hidden);
}

}  // namespace aisle
