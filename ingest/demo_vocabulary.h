// Internal: the word banks of the demo catalog generator (demo_catalog.h):
// departments with their category tree, brands, adjectives, materials,
// colours and description sentences. Constant data, no state.
#ifndef AISLE_INGEST_DEMO_VOCABULARY_H_
#define AISLE_INGEST_DEMO_VOCABULARY_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace aisle::ingest::internal::demo {

// The size / capacity dimension of a leaf category: which attribute it
// fills and whether the value appears in the title.
enum class Spec : uint8_t {
  kNone,
  kStorage,   // "256GB"        attribute storage, in the title
  kScreen,    // "55-inch"      attribute screen_size, in the title
  kCapacity,  // "1.5L"         attribute capacity, in the title
  kDiameter,  // "10-inch"      attribute size, in the title
  kWeight,    // "500g"         attribute weight, in the title
  kVolume,    // "500ml"        attribute volume, in the title
  kApparel,   // "M"            attribute size
  kShoe,      // "9"            attribute size
  kPower,     // "1200W"        attribute power, in the title
  kLoad,      // "20 lb"        attribute weight, in the title
  kPack,      // "Pack of 6"    attribute pack_size, after the title
};

struct Leaf {
  std::string_view name;  // Category level 3, e.g. "Smartphones".
  std::string_view noun;  // Used in titles, e.g. "Smartphone".
  double median_price;    // USD.
  Spec spec;
};

struct Subcategory {
  std::string_view name;
  std::array<Leaf, 5> leaves;
};

struct AttributeFamily {
  std::string_view name;  // Empty: unused slot.
  std::span<const std::string_view> values;
};

struct Department {
  std::string_view name;
  std::array<std::string_view, 15> brands;  // Earlier brands are drawn more often.
  std::array<Subcategory, 6> subcategories;
  std::span<const std::string_view> adjectives;
  std::span<const std::string_view> colors;     // Empty: no colour.
  std::span<const std::string_view> materials;  // Empty: no material.
  std::array<AttributeFamily, 2> extras;
  std::span<const std::string_view> sentences;  // Department-specific description text.
  bool has_model;                               // Titles carry a model name ("X5").
};

std::span<const Department> Departments();

// Sentences for any department. Placeholders: %n noun, %b brand, %m
// material (lower case), %c colour (lower case).
std::span<const std::string_view> GenericSentences();

// More sentences for departments of physical goods (those with materials).
std::span<const std::string_view> HardGoodsSentences();

// Values of a Spec (empty for kNone).
std::span<const std::string_view> SpecValues(Spec spec);

}  // namespace aisle::ingest::internal::demo

#endif  // AISLE_INGEST_DEMO_VOCABULARY_H_
