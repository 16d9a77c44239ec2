#include "ingest/demo_catalog.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <string_view>

#include "ingest/demo_vocabulary.h"

namespace aisle::ingest {
namespace {

using internal::demo::Department;
using internal::demo::Leaf;
using internal::demo::Spec;

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
constexpr int64_t kWindowSeconds = int64_t{3} * 365 * 86400;
constexpr int64_t kNewSeconds = int64_t{90} * 86400;

// splitmix64's finaliser.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// splitmix64 seeded by (seed, index): each product has its own stream, so
// product i does not depend on how many products came before it.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t index)
      : state_(Mix(seed ^ kGolden) ^ Mix((index + 1) * 0xD1B54A32D192ED03ULL)) {}

  uint64_t Next() {
    state_ += kGolden;
    return Mix(state_);
  }
  // [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  size_t Below(size_t n) { return static_cast<size_t>(Uniform() * static_cast<double>(n)); }
  std::string_view Pick(std::span<const std::string_view> values) {
    return values.empty() ? std::string_view() : values[Below(values.size())];
  }
  // Approximately standard normal (Irwin-Hall of four uniforms, rescaled).
  double Normal() {
    return (Uniform() + Uniform() + Uniform() + Uniform() - 2.0) * 1.7320508075688772;
  }

 private:
  uint64_t state_;
};

std::string MakeId(size_t index) {
  std::string digits = std::to_string(index);
  std::string id = "p";
  if (digits.size() < 7) id.append(7 - digits.size(), '0');
  id += digits;
  return id;
}

std::string_view SpecAttribute(Spec spec) {
  switch (spec) {
    case Spec::kStorage:
      return "storage";
    case Spec::kScreen:
      return "screen_size";
    case Spec::kCapacity:
      return "capacity";
    case Spec::kWeight:
    case Spec::kLoad:
      return "weight";
    case Spec::kVolume:
      return "volume";
    case Spec::kDiameter:
    case Spec::kApparel:
    case Spec::kShoe:
      return "size";
    case Spec::kPower:
      return "power";
    case Spec::kPack:
      return "pack_size";
    case Spec::kNone:
      break;
  }
  return {};
}

bool SpecInTitle(Spec spec) {
  return spec != Spec::kNone && spec != Spec::kApparel && spec != Spec::kShoe &&
         spec != Spec::kPack;
}

// What a product is made of, drawn once and shared by title, attributes and text.
struct Choice {
  const Department* department;
  size_t subcategory;
  const Leaf* leaf;
  std::string_view brand, adjective, color, material, spec;
  size_t spec_rank;  // Position of `spec` among its values (bigger costs more).
};

Choice Choose(Rng& rng) {
  const auto departments = internal::demo::Departments();
  Choice c{};
  c.department = &departments[rng.Below(departments.size())];
  c.subcategory = rng.Below(c.department->subcategories.size());
  const auto& leaves = c.department->subcategories[c.subcategory].leaves;
  c.leaf = &leaves[rng.Below(leaves.size())];
  // Skewed towards the first brands, so brand facets look like real ones.
  const double u = rng.Uniform();
  c.brand = c.department->brands[std::min<size_t>(14, static_cast<size_t>(15 * u * u))];
  c.adjective = rng.Pick(c.department->adjectives);
  c.color = rng.Pick(c.department->colors);
  c.material = rng.Pick(c.department->materials);
  const auto specs = internal::demo::SpecValues(c.leaf->spec);
  c.spec_rank = specs.empty() ? 0 : rng.Below(specs.size());
  c.spec = specs.empty() ? std::string_view() : specs[c.spec_rank];
  return c;
}

std::string Title(const Choice& c, Rng& rng) {
  std::string title;
  title.reserve(96);
  title.append(c.brand).append(" ").append(c.adjective).append(" ");
  if (SpecInTitle(c.leaf->spec)) title.append(c.spec).append(" ");
  title.append(c.leaf->noun);
  if (c.department->has_model) {
    constexpr std::string_view kSeries = "XSMZQTV";
    title.push_back(' ');
    title.push_back(kSeries[rng.Below(kSeries.size())]);
    title += std::to_string(2 + rng.Below(19));
  }
  if (!c.color.empty()) title.append(" - ").append(c.color);
  if (c.leaf->spec == Spec::kPack) title.append(", ").append(c.spec);
  return title;
}

void AppendLower(std::string_view text, std::string* out) {
  for (const char ch : text) {
    out->push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
  }
}

// Expands one sentence template; returns the number of words appended.
size_t AppendSentence(std::string_view sentence, const Choice& c, std::string* out) {
  if (!out->empty()) out->push_back(' ');
  const size_t start = out->size();
  for (size_t k = 0; k < sentence.size(); ++k) {
    if (sentence[k] != '%' || k + 1 == sentence.size()) {
      out->push_back(sentence[k]);
      continue;
    }
    switch (sentence[++k]) {
      case 'n':
        out->append(c.leaf->noun);
        break;
      case 'b':
        out->append(c.brand);
        break;
      case 'm':
        AppendLower(c.material.empty() ? "premium materials" : c.material, out);
        break;
      case 'c':
        AppendLower(c.color.empty() ? "classic" : c.color, out);
        break;
      default:
        out->push_back(sentence[k]);
        break;
    }
  }
  return 1 + static_cast<size_t>(
                 std::count(out->begin() + static_cast<ptrdiff_t>(start), out->end(), ' '));
}

// The description sentences open to a product: its department's, the
// generic ones, and for physical goods the hard-goods ones.
struct SentencePool {
  std::span<const std::string_view> parts[3];
  size_t size() const { return parts[0].size() + parts[1].size() + parts[2].size(); }
  std::string_view operator[](size_t k) const {
    for (const auto& part : parts) {
      if (k < part.size()) return part[k];
      k -= part.size();
    }
    return {};
  }
};

// 20 to 60 words: sentences without repeats until at least a 20..42-word target.
std::string Description(const Choice& c, Rng& rng) {
  const SentencePool pool{{c.department->sentences, internal::demo::GenericSentences(),
                           c.department->materials.empty() ? std::span<const std::string_view>()
                                                           : internal::demo::HardGoodsSentences()}};
  const size_t target = 20 + rng.Below(23);
  std::string text;
  text.reserve(400);
  uint64_t used = 0;  // The pool has fewer than 64 sentences.
  for (size_t words = 0, tries = 0; words < target && tries < 4 * pool.size(); ++tries) {
    const size_t pick = rng.Below(pool.size());
    if (used & (uint64_t{1} << pick)) continue;
    used |= uint64_t{1} << pick;
    words += AppendSentence(pool[pick], c, &text);
  }
  return text;
}

void AddAttributes(const Choice& c, Rng& rng, Product* p) {
  if (!c.color.empty()) p->attributes.emplace("color", c.color);
  if (!c.material.empty()) p->attributes.emplace("material", c.material);
  if (!c.spec.empty()) p->attributes.emplace(SpecAttribute(c.leaf->spec), c.spec);
  // The first department attribute always, the second on 60% of products.
  const auto& extras = c.department->extras;
  for (size_t k = 0; k < extras.size(); ++k) {
    if (extras[k].name.empty() || (k > 0 && rng.Uniform() >= 0.6)) continue;
    p->attributes.emplace(extras[k].name, rng.Pick(extras[k].values));
  }
}

// Lognormal around the leaf's median, larger specs dearer, ending in .99.
void AddPrices(const Choice& c, Rng& rng, Product* p) {
  double price = c.leaf->median_price * std::exp(0.45 * rng.Normal()) *
                 (1.0 + 0.15 * static_cast<double>(c.spec_rank));
  price = price < 1     ? 0.99
          : price < 100 ? std::floor(price) + 0.99
                        : std::floor(price / 10) * 10 + 9.99;
  p->price = price;
  p->cost = std::round(price * (0.4 + 0.4 * rng.Uniform()) * 100) / 100;
}

void AddSignals(Rng& rng, int64_t created_at_base, Product* p) {
  // Skewed high like real reviews: mostly 3.5-5.0, a tail down to 1.
  const double rating = 5.0 - std::abs(rng.Normal()) * 0.9 - 0.2 * rng.Uniform();
  p->rating = std::round(std::clamp(rating, 1.0, 5.0) * 10) / 10;
  // Zipf-like: P(popularity > x) ~ 5 / (x + 5).
  const double u = std::max(rng.Uniform(), 1e-9);
  p->popularity = std::min(1e6, std::floor(5 / u) - 5);
  p->created_at = created_at_base + static_cast<int64_t>(rng.Below(kWindowSeconds));
  if (p->created_at >= created_at_base + kWindowSeconds - kNewSeconds) p->tags.push_back("new");
  if (rng.Uniform() < 0.15) p->tags.push_back("sale");
  if (p->popularity >= 200) p->tags.push_back("bestseller");
  if (p->rating >= 4.8) p->tags.push_back("top-rated");
  if (rng.Uniform() < 0.06) p->tags.push_back("eco-friendly");
  if (rng.Uniform() < 0.03) p->tags.push_back("limited-edition");
}

}  // namespace

Product GenerateDemoProduct(size_t i, const DemoCatalogOptions& options) {
  Rng rng(options.seed, i);
  const Choice c = Choose(rng);
  Product p;
  p.id = MakeId(i);
  p.title = Title(c, rng);
  p.description = Description(c, rng);
  p.brand = c.brand;
  p.categories = {std::string(c.department->name),
                  std::string(c.department->subcategories[c.subcategory].name),
                  std::string(c.leaf->name)};
  AddAttributes(c, rng, &p);
  AddPrices(c, rng, &p);
  p.currency = "USD";
  p.image_url = "https://img.example.com/aisle/" + p.id + ".jpg";
  AddSignals(rng, options.created_at_base, &p);
  return p;
}

std::vector<Product> GenerateDemoCatalog(size_t first, size_t count,
                                         const DemoCatalogOptions& options) {
  std::vector<Product> products;
  products.reserve(count);
  for (size_t i = first; i < first + count; ++i) {
    products.push_back(GenerateDemoProduct(i, options));
  }
  return products;
}

}  // namespace aisle::ingest
