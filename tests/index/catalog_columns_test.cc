#include <gtest/gtest.h>

#include <vector>

#include "index/catalog_columns_internal.h"
#include "tests/testing/test_util.h"

namespace aisle::index::internal {
namespace {

std::vector<uint32_t> TagOrdinals(const CatalogColumns& columns, uint32_t docid) {
  const uint64_t ref = columns.tag_refs().Get(docid);
  const uint32_t count = ref & ((1u << CatalogColumns::kTagCountBits) - 1);
  const auto offset = static_cast<uint32_t>(ref >> CatalogColumns::kTagCountBits);
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < count; ++i) out.push_back(columns.tag_arena().Get(offset + i));
  return out;
}

ColumnRow Row(double price, std::string brand, std::vector<std::string> categories,
              std::vector<std::pair<std::string, std::string>> attributes,
              std::vector<std::string> tags) {
  ColumnRow row;
  row.price = price;
  row.rating = price / 100;
  row.popularity = price * 2;
  row.created_at = static_cast<int64_t>(price) * 1000;
  row.brand = std::move(brand);
  row.categories = std::move(categories);
  row.attributes = std::move(attributes);
  row.tags = std::move(tags);
  return row;
}

TEST(ChunkedArray, ReadsDefaultUntilWrittenAndSpansChunks) {
  ChunkedArray<double> array;
  EXPECT_EQ(array.Get(0), 0);
  EXPECT_EQ(array.Get(4000000000u), 0);
  EXPECT_EQ(array.allocated_bytes(), 0u);
  const uint32_t keys[] = {1, 65535, 65536, 65537, 16777216, 4294967295u};
  for (uint32_t key : keys) array.Set(key, key + 0.5);
  for (uint32_t key : keys) EXPECT_EQ(array.Get(key), key + 0.5) << key;
  EXPECT_EQ(array.Get(2), 0);
  // Chunks only where written: {0, 1, 256, 65535} -> 4 chunks.
  EXPECT_EQ(array.allocated_bytes(), 4 * 65536 * sizeof(std::atomic<double>));
  array.Clear(65536);
  EXPECT_EQ(array.Get(65536), 0);
  array.Clear(300000);  // Unallocated: stays unallocated.
  EXPECT_EQ(array.allocated_bytes(), 4 * 65536 * sizeof(std::atomic<double>));
}

TEST(ChunkedReader, FollowsTheArrayAcrossChunks) {
  ChunkedArray<uint32_t> array;
  for (uint32_t i = 0; i < 200000; i += 3) array.Set(i, i);
  ChunkedReader<uint32_t> reader(&array);
  for (uint32_t i = 0; i < 200000; ++i) ASSERT_EQ(reader.Get(i), i % 3 == 0 ? i : 0) << i;
  EXPECT_EQ(reader.Get(5), 0u);  // Going back to an earlier chunk works too.
  EXPECT_EQ(reader.Get(3), 3u);
}

TEST(Dictionary, KeepsTheFirstDisplayFormPerKey) {
  Dictionary dict;
  EXPECT_EQ(dict.Intern("red", "Red"), 1u);
  EXPECT_EQ(dict.Intern("blue", "blue"), 2u);
  EXPECT_EQ(dict.Intern("red", "RED"), 1u);
  EXPECT_EQ(dict.size(), 2u);
  EXPECT_EQ(dict.Display(1), "Red");
  EXPECT_EQ(dict.Display(2), "blue");
  EXPECT_EQ(dict.Display(0), "");
  EXPECT_EQ(dict.Display(3), "");
  EXPECT_EQ(dict.Find("blue"), 2u);
  EXPECT_EQ(dict.Find("green"), 0u);
}

TEST(CatalogColumns, ApplySetsEveryColumn) {
  CatalogColumns columns;
  columns.Apply(7, Row(10, "Acme", {"Home", "Kitchen"}, {{"Color", "Red"}}, {"b", "a", "b"}));
  EXPECT_TRUE(columns.IsLive(7));
  EXPECT_FALSE(columns.IsLive(6));
  EXPECT_EQ(columns.double_column(NumericField::kPrice).Get(7), 10);
  EXPECT_EQ(columns.double_column(NumericField::kRating).Get(7), 0.1);
  EXPECT_EQ(columns.double_column(NumericField::kPopularity).Get(7), 20);
  EXPECT_EQ(columns.created_at().Get(7), 10000);
  EXPECT_EQ(columns.brands().Display(columns.brand_ordinals().Get(7)), "Acme");
  EXPECT_EQ(columns.level_paths(0).Display(columns.level_ordinals(0).Get(7)), "Home");
  const uint32_t path1 = columns.level_ordinals(1).Get(7);
  EXPECT_EQ(columns.level_paths(1).Display(path1), "Home > Kitchen");
  EXPECT_EQ(columns.category_names().Display(columns.level_to_name(1).Get(path1)), "Kitchen");
  EXPECT_EQ(columns.level_ordinals(2).Get(7), 0u);
  const AttributeColumn* color = columns.FindAttribute("attributes.COLOR");
  ASSERT_NE(color, nullptr);
  EXPECT_EQ(color, columns.FindAttribute("color"));
  EXPECT_EQ(color->values.Display(color->ordinals.Get(7)), "Red");
  EXPECT_EQ(TagOrdinals(columns, 7).size(), 2u) << "tags are deduplicated";
  EXPECT_EQ(columns.AttributeNames(), std::vector<std::string>{"Color"});
  NumericReader created(columns, NumericField::kCreatedAt);
  EXPECT_EQ(created.Get(7), 10000);
}

TEST(CatalogColumns, ReplacingADocumentClearsWhatItNoLongerHas) {
  CatalogColumns columns;
  columns.Apply(1, Row(1, "Acme", {"A", "B", "C"}, {{"color", "red"}, {"size", "L"}}, {"x"}));
  columns.Apply(1, Row(2, "", {"A"}, {{"size", "M"}}, {}));
  EXPECT_EQ(columns.brand_ordinals().Get(1), 0u);
  EXPECT_NE(columns.level_ordinals(0).Get(1), 0u);
  EXPECT_EQ(columns.level_ordinals(1).Get(1), 0u);
  EXPECT_EQ(columns.level_ordinals(2).Get(1), 0u);
  EXPECT_EQ(columns.FindAttribute("color")->ordinals.Get(1), 0u);
  const AttributeColumn* size = columns.FindAttribute("size");
  EXPECT_EQ(size->values.Display(size->ordinals.Get(1)), "M");
  EXPECT_TRUE(TagOrdinals(columns, 1).empty());
  columns.MarkDeleted(1);
  EXPECT_FALSE(columns.IsLive(1));
}

TEST(CatalogColumns, UnchangedTagListsDoNotGrowTheArena) {
  CatalogColumns columns;
  columns.Apply(1, Row(1, "", {}, {}, {"a", "b"}));
  const uint64_t ref = columns.tag_refs().Get(1);
  columns.Apply(1, Row(1, "", {}, {}, {"B", "a"}));
  EXPECT_EQ(columns.tag_refs().Get(1), ref);
  columns.Apply(1, Row(1, "", {}, {}, {"a", "c"}));
  EXPECT_NE(columns.tag_refs().Get(1), ref);
  EXPECT_EQ(TagOrdinals(columns, 1), (std::vector<uint32_t>{1, 3}));
}

TEST(CatalogColumns, ResolvesFacetNamesAndRejectsUnknownOnes) {
  CatalogColumns columns;
  columns.Apply(1, Row(1, "Acme", {"A"}, {{"Color", "red"}}, {"t"}));
  for (const char* name :
       {"brand", "category", "categories.lvl0", "categories.lvl4", "tags", "price", "rating",
        "popularity", "createdAt", "color", "attributes.color", "COLOR"}) {
    EXPECT_TRUE(columns.ResolveFacet(name).ok()) << name;
  }
  for (const char* name : {"title", "categories.lvl5", "categories.lvl", "size", "id", ""}) {
    auto facet = columns.ResolveFacet(name);
    ASSERT_FALSE(facet.ok()) << name;
    EXPECT_EQ(facet.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ErrorField(facet.status()), "facets");
  }
}

TEST(CatalogColumns, RebuildsFromTheDatabasesValueStreams) {
  testing::TempDir dir;
  Xapian::WritableDatabase db(dir.Sub("db"), Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
  DocumentBuilder builder;
  for (int i = 0; i < 5; ++i) {
    Product p;
    p.id = "p" + std::to_string(i);
    p.title = "t";
    p.price = i * 1.5;
    p.created_at = 1000 + i;
    p.brand = i % 2 ? "Odd" : "";
    p.categories = {"Root", "Leaf" + std::to_string(i)};
    p.tags = {"tag"};
    PreparedDoc doc = builder.Build(p);
    db.replace_document(doc.id_term, doc.document);
  }
  db.delete_document("Qp2");
  db.commit();
  CatalogColumns columns;
  EXPECT_EQ(columns.RebuildFrom(db), 4u);
  EXPECT_FALSE(columns.IsLive(3)) << "docid 3 was p2, deleted";
  EXPECT_TRUE(columns.IsLive(5));
  EXPECT_EQ(columns.double_column(NumericField::kPrice).Get(5), 6);
  EXPECT_EQ(columns.created_at().Get(5), 1004);
  EXPECT_EQ(columns.brands().Display(columns.brand_ordinals().Get(2)), "Odd");
  EXPECT_EQ(columns.brand_ordinals().Get(1), 0u);
  EXPECT_EQ(columns.level_paths(1).Display(columns.level_ordinals(1).Get(4)), "Root > Leaf3");
  EXPECT_EQ(columns.tags().size(), 1u);
}

}  // namespace
}  // namespace aisle::index::internal
