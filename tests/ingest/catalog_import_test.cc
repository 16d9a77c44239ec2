#include "ingest/catalog_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "base/utf8.h"
#include "tests/testing/test_util.h"

namespace aisle::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;

ImportedCatalog MustImport(std::string_view bytes, std::string_view name,
                           CatalogFormat format = CatalogFormat::kAuto) {
  auto imported = ImportCatalog(bytes, name, format);
  EXPECT_TRUE(imported.ok()) << imported.status();
  return imported.ok() ? *std::move(imported) : ImportedCatalog{};
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// 1-based line of byte `offset`, counted independently of the importer.
size_t LineOf(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

bool AllStringsValidUtf8(const Product& p) {
  bool ok = IsValidUtf8(p.id) && IsValidUtf8(p.title) && IsValidUtf8(p.description) &&
            IsValidUtf8(p.brand) && IsValidUtf8(p.currency) && IsValidUtf8(p.image_url);
  for (const auto& c : p.categories) ok = ok && IsValidUtf8(c);
  for (const auto& t : p.tags) ok = ok && IsValidUtf8(t);
  for (const auto& [k, v] : p.attributes) ok = ok && IsValidUtf8(k) && IsValidUtf8(v);
  return ok;
}

bool ContainsReplacementCharacter(const Product& p) {
  constexpr std::string_view kFffd = "\xEF\xBF\xBD";
  bool found = p.title.find(kFffd) != std::string::npos ||
               p.description.find(kFffd) != std::string::npos ||
               p.brand.find(kFffd) != std::string::npos;
  for (const auto& c : p.categories) found = found || c.find(kFffd) != std::string::npos;
  return found;
}

constexpr std::string_view kBigBasketHeader =
    "index,product,category,sub_category,brand,sale_price,market_price,type,rating,description\r\n";

TEST(ImportBigBasket, MapsColumnsToProducts) {
  const std::string csv = std::string(kBigBasketHeader) +
                          "1,\"Tea, Green\",Beverages,Tea, Tetley ,99.5,120,Green Tea,4.1,\"Two\r\n"
                          "lines\"\r\n"
                          "2,Salt,Foodgrains,Salt,Tata,20,20,Table Salt,,\r\n";
  const ImportedCatalog catalog = MustImport(csv, "bigbasket.csv");
  ASSERT_THAT(catalog.products, SizeIs(2));
  EXPECT_THAT(catalog.rejected, IsEmpty());
  const Product& tea = catalog.products[0];
  EXPECT_EQ(tea.id, "bb-1");
  EXPECT_EQ(tea.title, "Tea, Green");
  EXPECT_THAT(tea.categories, ElementsAre("Beverages", "Tea", "Green Tea"));
  EXPECT_EQ(tea.brand, "Tetley");
  EXPECT_DOUBLE_EQ(tea.price, 99.5);
  EXPECT_THAT(tea.attributes, ElementsAre(Pair("mrp", "120")));
  EXPECT_THAT(tea.tags, ElementsAre("sale"));
  EXPECT_DOUBLE_EQ(tea.rating, 4.1);
  EXPECT_EQ(tea.description, "Two\r\nlines");
  EXPECT_EQ(tea.currency, "INR");
  const Product& salt = catalog.products[1];
  EXPECT_EQ(salt.rating, 0);
  EXPECT_THAT(salt.tags, IsEmpty());
  EXPECT_EQ(salt.description, "");
}

TEST(ImportBigBasket, BadRowsAreRejectedWithTheLineTheyStartOn) {
  const std::string csv = std::string(kBigBasketHeader) +
                          "1,Good,A,B,C,1,1,D,4,\"multi\nline\"\r\n"  // lines 2-3
                          "2,Bad price,A,B,C,abc,1,D,4,x\r\n"         // line 4
                          "3,Short row,A\r\n"                         // line 5
                          "4,,A,B,C,1,1,D,4,x\r\n"                    // line 6: no title
                          "5,Bad rating,A,B,C,1,1,D,7,x\r\n"          // line 7
                          ",No index,A,B,C,1,1,D,4,x\r\n"             // line 8
                          "7,Fine,A,B,C,1,1,D,,x\r\n";                // line 9
  const ImportedCatalog catalog = MustImport(csv, "x.csv", CatalogFormat::kBigBasket);
  ASSERT_THAT(catalog.products, SizeIs(2));
  EXPECT_EQ(catalog.products[1].id, "bb-7");
  ASSERT_THAT(catalog.rejected, SizeIs(5));
  EXPECT_EQ(catalog.rejected[0].line, 4u);
  EXPECT_EQ(catalog.rejected[0].index, 1u);
  EXPECT_EQ(catalog.rejected[0].id, "bb-2");
  EXPECT_EQ(catalog.rejected[0].reason, "sale_price: expected a number, found \"abc\"");
  EXPECT_EQ(catalog.rejected[1].line, 5u);
  EXPECT_EQ(catalog.rejected[1].reason, "expected 10 fields, found 3");
  EXPECT_EQ(catalog.rejected[2].line, 6u);
  EXPECT_EQ(catalog.rejected[2].reason, "title: required");
  EXPECT_EQ(catalog.rejected[3].line, 7u);
  EXPECT_EQ(catalog.rejected[3].reason, "rating: must be <= 5");
  EXPECT_EQ(catalog.rejected[4].line, 8u);
  EXPECT_EQ(catalog.rejected[4].reason, "index: empty");
}

TEST(ImportBigBasket, RepairsInvalidUtf8AndReportsTheRowLine) {
  const std::string csv = std::string(kBigBasketHeader) +
                          "1,Ok,A,B,C,1,1,D,4,x\r\n"
                          "2,Bad \xA1\xC3 bytes,A,B,C,1,1,D,4,\"x\n\xFF\"\r\n";  // line 3
  const ImportedCatalog catalog = MustImport(csv, "bigbasket.csv");
  ASSERT_THAT(catalog.products, SizeIs(2));
  EXPECT_THAT(catalog.repaired_lines, ElementsAre(3u));
  EXPECT_EQ(catalog.products[1].title, "Bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_EQ(catalog.products[1].description, "x\n\xEF\xBF\xBD");
}

TEST(ImportBigBasket, UnterminatedQuoteRejectsTheLastRow) {
  const std::string csv = std::string(kBigBasketHeader) + "1,Ok,A,B,C,1,1,D,4,x\r\n" +
                          "2,\"Open,A,B,C,1,1,D,4,x\r\n3,More,A\r\n";
  const ImportedCatalog catalog = MustImport(csv, "bigbasket.csv");
  EXPECT_THAT(catalog.products, SizeIs(1));
  ASSERT_THAT(catalog.rejected, SizeIs(1));
  EXPECT_EQ(catalog.rejected[0].line, 3u);
  EXPECT_EQ(catalog.rejected[0].reason, "unterminated quoted field");
}

TEST(ImportCatalog, CsvWithoutRequiredColumnsOrHeaderIsAnError) {
  auto missing = ImportCatalog("index,product,brand\n1,x,y\n", "bigbasket.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("\"sale_price\""));
  EXPECT_FALSE(ImportCatalog("", "flipkart.csv").ok());
  EXPECT_FALSE(ImportCatalog("uniq_id,name\n1,x\n", "flipkart.csv").ok());
}

constexpr std::string_view kFlipkartHeader =
    "uniq_id,crawl_timestamp,product_url,product_name,product_category_tree,pid,retail_price,"
    "discounted_price,image,is_FK_Advantage_product,description,product_rating,overall_rating,"
    "brand,product_specifications,formatted_specifications\n";

TEST(ImportFlipkart, MapsColumnsToProducts) {
  const std::string csv =
      std::string(kFlipkartHeader) +
      "f449,2016-03-25 22:59:23 +0000,http://x,aw bellies,"
      "\"['footwear', 'womens footwear', 'ballerinas', 'aw bellies']\",SHOE,999.0,499.0,"
      "\"[\"\"http://img/1.jpeg\"\", \"\"http://img/2.jpeg\"\"]\",False,nice shoes,"
      "No rating available,0.0,aw,"
      "\"[{'key': 'Ideal For', 'value': 'Women'}, {'key': 'Color', 'value': 'Red'}, "
      "{'value': 'One Pair'}]\",x\n"
      "g2,2016-03-25 22:59:23 +0000,http://x,plain thing,\"['misc']\",P,250,,[],False,d,4.5,"
      "4.5,,[],x\n";
  const ImportedCatalog catalog = MustImport(csv, "flipkart.csv");
  ASSERT_THAT(catalog.products, SizeIs(2));
  const Product& shoes = catalog.products[0];
  EXPECT_EQ(shoes.id, "f449");
  EXPECT_EQ(shoes.title, "aw bellies");
  EXPECT_THAT(shoes.categories, ElementsAre("footwear", "womens footwear", "ballerinas"));
  EXPECT_DOUBLE_EQ(shoes.price, 499);
  EXPECT_THAT(shoes.attributes,
              ElementsAre(Pair("color", "Red"), Pair("ideal_for", "Women"), Pair("mrp", "999.0")));
  EXPECT_THAT(shoes.tags, ElementsAre("sale"));
  EXPECT_EQ(shoes.image_url, "http://img/1.jpeg");
  EXPECT_EQ(shoes.rating, 0);
  EXPECT_EQ(shoes.brand, "aw");
  EXPECT_EQ(shoes.created_at, 1458946763);
  EXPECT_EQ(shoes.currency, "INR");
  const Product& plain = catalog.products[1];
  EXPECT_DOUBLE_EQ(plain.price, 250);  // No discounted price: the retail price.
  EXPECT_DOUBLE_EQ(plain.rating, 4.5);
  EXPECT_THAT(plain.categories, ElementsAre("misc"));
  EXPECT_EQ(plain.image_url, "");
}

constexpr std::string_view kBestBuy = R"([
  {"name": "Phone A", "description": "d", "brand": "B", "categories": ["Cell Phones", "Unlocked"],
   "price": 199.99, "image": "https:\/\/img\/a.jpg", "popularity": 21449, "extra": 1},
  {"name": "Phone B", "price": -5},
  {"name": "Phone C", "price": "cheap"},
  {"name": "Phone A", "price": 5}
])";

TEST(ImportBestBuy, MapsObjectsWithPositionalIds) {
  const ImportedCatalog catalog = MustImport(kBestBuy, "data.json", CatalogFormat::kBestBuy);
  ASSERT_THAT(catalog.products, SizeIs(2));
  const Product& a = catalog.products[0];
  EXPECT_EQ(a.id, "bestbuy-0");
  EXPECT_EQ(a.title, "Phone A");
  EXPECT_EQ(a.brand, "B");
  EXPECT_THAT(a.categories, ElementsAre("Cell Phones", "Unlocked"));
  EXPECT_DOUBLE_EQ(a.price, 199.99);
  EXPECT_EQ(a.image_url, "https://img/a.jpg");
  EXPECT_DOUBLE_EQ(a.popularity, 21449);
  EXPECT_EQ(a.currency, "USD");
  EXPECT_EQ(catalog.products[1].id, "bestbuy-3");  // Same name, its own id.
  ASSERT_THAT(catalog.rejected, SizeIs(2));
  EXPECT_EQ(catalog.rejected[0].id, "bestbuy-1");
  EXPECT_EQ(catalog.rejected[0].line, 4u);
  EXPECT_EQ(catalog.rejected[0].reason, "price: must be >= 0");
  EXPECT_EQ(catalog.rejected[1].line, 5u);
  EXPECT_EQ(catalog.rejected[1].reason, "price: expected a number");
}

TEST(ImportBestBuy, RepairsInvalidUtf8PerLine) {
  const std::string json = "[\n{\"name\": \"ok\"},\n{\"name\": \"bad \xC3\"}\n]";
  const ImportedCatalog catalog = MustImport(json, "bestbuy.json");
  ASSERT_THAT(catalog.products, SizeIs(2));
  EXPECT_THAT(catalog.repaired_lines, ElementsAre(3u));
  EXPECT_EQ(catalog.products[1].title, "bad \xEF\xBF\xBD");
}

TEST(ImportCatalog, AisleJsonAndNdjsonGoThroughParseProducts) {
  const ImportedCatalog json =
      MustImport(R"([{"id": "a", "title": "t"}, {"id": "b"}])", "catalog.json");
  EXPECT_THAT(json.products, SizeIs(1));
  EXPECT_THAT(json.rejected, SizeIs(1));
  const ImportedCatalog ndjson = MustImport(
      "{\"id\": \"a\", \"title\": \"t\"}\n{\"id\": \"b\", \"title\": \"\xFF\"}\n", "feed.jsonl");
  ASSERT_THAT(ndjson.products, SizeIs(2));
  EXPECT_THAT(ndjson.repaired_lines, ElementsAre(2u));
  EXPECT_FALSE(ImportCatalog("[{\"id\": ", "catalog.json").ok());
  // A byte-order mark before the JSON is skipped.
  EXPECT_THAT(MustImport("\xEF\xBB\xBF[{\"id\": \"a\", \"title\": \"t\"}]", "c.json").products,
              SizeIs(1));
}

TEST(ImportCatalog, AutoDetectsFormatsFromNameAndContent) {
  // By content: Best Buy's "name" keys, aisle's "title", NDJSON, CSV headers.
  EXPECT_EQ(MustImport(kBestBuy, "products.json").products[0].id, "bestbuy-0");
  EXPECT_EQ(MustImport(R"([{"id": "x", "title": "t", "name": "n"}])", "p.json").products[0].id,
            "x");
  EXPECT_THAT(MustImport("{\"id\": \"x\", \"title\": \"t\"}\n", "feed").products, SizeIs(1));
  EXPECT_EQ(MustImport(std::string(kBigBasketHeader) + "1,a,b,c,d,1,1,e,,f\r\n", "data.csv")
                .products[0]
                .id,
            "bb-1");
  EXPECT_EQ(MustImport(std::string(kFlipkartHeader) + "z1,,,n,[],,1,1,[],,,,,,[],\n", "data.csv")
                .products[0]
                .id,
            "z1");
  // By name, whatever the content looks like.
  EXPECT_THAT(MustImport("{\"id\": \"x\", \"title\": \"t\"}\n", "BestBuy-dump.ndjson").rejected,
              IsEmpty());
  auto unknown = ImportCatalog("sku;name\n1;x\n", "stuff.txt");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ImportCatalogFile, ReadsFilesAndReportsMissingOnes) {
  testing::TempDir dir;
  const std::string path = dir.Sub("catalog.ndjson");
  std::ofstream(path, std::ios::binary) << "{\"id\": \"a\", \"title\": \"t\"}\n";
  auto catalog = ImportCatalogFile(path);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_THAT(catalog->products, SizeIs(1));
  auto missing = ImportCatalogFile(dir.Sub("nope.csv"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

// --- The real catalogs in ../shared/data (skipped when absent). ---

TEST(ImportRealCatalogs, BigBasketHasEveryRowAndValidUtf8) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bigbasket-6k.csv");
  auto catalog = ImportCatalogFile(path);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->products.size() + catalog->rejected.size(), 6079u);  // Rows per the README.
  std::set<std::string> ids;
  for (const Product& p : catalog->products) {
    EXPECT_TRUE(AllStringsValidUtf8(p)) << p.id;
    EXPECT_EQ(p.currency, "INR");
    EXPECT_FALSE(p.categories.empty()) << p.id;
    ids.insert(p.id);
  }
  EXPECT_EQ(ids.size(), catalog->products.size());
}

TEST(ImportRealCatalogs, BigBasketRepairedLinesPointAtTheRepairedRows) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bigbasket-6k.csv");
  const std::string bytes = ReadFile(path);
  auto catalog = ImportCatalog(bytes, path);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_FALSE(catalog->repaired_lines.empty());
  // Physical lines holding invalid bytes, found without the CSV reader.
  std::vector<size_t> bad_lines;
  size_t line = 1;
  for (size_t start = 0; start < bytes.size(); ++line) {
    const size_t end = std::min(bytes.find('\n', start), bytes.size());
    if (!IsValidUtf8(std::string_view(bytes).substr(start, end - start))) bad_lines.push_back(line);
    start = end + 1;
  }
  ASSERT_FALSE(bad_lines.empty());
  std::map<std::string, const Product*> by_id;
  for (const Product& p : catalog->products) by_id[p.id] = &p;
  std::vector<std::string> lines = {""};
  for (const char c : bytes) {
    if (c == '\n') {
      lines.emplace_back();
    } else {
      lines.back().push_back(c);
    }
  }
  for (const size_t repaired : catalog->repaired_lines) {
    // The row starts "<index>," on that line; its product carries U+FFFD.
    const std::string& text = lines[repaired - 1];
    const std::string id = "bb-" + text.substr(0, text.find(','));
    ASSERT_TRUE(by_id.count(id)) << "line " << repaired << " id " << id;
    EXPECT_TRUE(ContainsReplacementCharacter(*by_id[id])) << id;
  }
  // Every bad physical line lies in a repaired row: the nearest repaired row
  // start at or above it (rows span at most a few lines).
  for (const size_t bad : bad_lines) {
    auto it = std::upper_bound(catalog->repaired_lines.begin(), catalog->repaired_lines.end(), bad);
    ASSERT_NE(it, catalog->repaired_lines.begin()) << bad;
    EXPECT_LE(bad - *std::prev(it), 40u) << bad;
  }
  size_t with_fffd = 0;
  for (const Product& p : catalog->products) with_fffd += ContainsReplacementCharacter(p);
  EXPECT_EQ(with_fffd, catalog->repaired_lines.size());
}

TEST(ImportRealCatalogs, BigBasketRejectedRowPointsAtItsLine) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bigbasket-6k.csv");
  std::string bytes = ReadFile(path);
  const size_t at = bytes.find("\n3000,");
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find("\n3000,", at + 1), std::string::npos);
  bytes.replace(at, 6, "\n3000/x,");  // An id with '/' is invalid.
  auto catalog = ImportCatalog(bytes, "bigbasket.csv");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_THAT(catalog->rejected, SizeIs(1));
  EXPECT_EQ(catalog->rejected[0].id, "bb-3000/x");
  EXPECT_EQ(catalog->rejected[0].line, LineOf(bytes, at + 1));
  EXPECT_EQ(catalog->rejected[0].index, 2999u);
  EXPECT_THAT(catalog->rejected[0].reason, StartsWith("id: "));
  EXPECT_EQ(catalog->products.size(), 6078u);
}

TEST(ImportRealCatalogs, FlipkartHasEveryRowAndSensibleMappings) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/flipkart-1k.csv");
  auto catalog = ImportCatalogFile(path);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->products.size() + catalog->rejected.size(), 1002u);
  EXPECT_THAT(catalog->rejected, IsEmpty());
  size_t with_attributes = 0, with_image = 0;
  for (const Product& p : catalog->products) {
    EXPECT_TRUE(AllStringsValidUtf8(p)) << p.id;
    EXPECT_EQ(p.id.size(), 32u);
    EXPECT_LE(p.categories.size(), 8u);
    with_attributes += p.attributes.size() > 1;
    with_image += !p.image_url.empty();
  }
  EXPECT_GT(with_attributes, 900u);
  EXPECT_GT(with_image, 990u);
  const Product& first = catalog->products[0];
  EXPECT_EQ(first.id, "f449ec65dcbc041b6ae5e6a32717d01b");
  EXPECT_THAT(first.categories, ElementsAre("footwear", "womens footwear", "ballerinas"));
  EXPECT_EQ(first.attributes.at("color"), "Red");
}

TEST(ImportRealCatalogs, FlipkartRejectedRowPointsAtItsLine) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/flipkart-1k.csv");
  std::string bytes = ReadFile(path);
  const std::string id = "026c96df5085ecf667f0a43ed0d337d0";
  const size_t at = bytes.find("\n" + id + ",");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at + 1, id.size(), id + " x");
  auto catalog = ImportCatalog(bytes, "flipkart-1k.csv");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_THAT(catalog->rejected, SizeIs(1));
  EXPECT_EQ(catalog->rejected[0].id, id + " x");
  EXPECT_EQ(catalog->rejected[0].line, LineOf(bytes, at + 1));
  EXPECT_EQ(catalog->products.size(), 1001u);
}

TEST(ImportRealCatalogs, BestBuyHasEveryObject) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bestbuy-cellphones-3k.json");
  auto catalog = ImportCatalogFile(path);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->products.size() + catalog->rejected.size(), 3291u);
  EXPECT_THAT(catalog->rejected, IsEmpty());
  for (const Product& p : catalog->products) {
    EXPECT_TRUE(AllStringsValidUtf8(p)) << p.id;
    EXPECT_FALSE(p.categories.empty()) << p.id;
    EXPECT_THAT(p.image_url, StartsWith("https://")) << p.id;
  }
  EXPECT_EQ(catalog->products.back().id, "bestbuy-3290");
}

TEST(ImportRealCatalogs, BestBuyRejectedObjectPointsAtItsLine) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bestbuy-cellphones-3k.json");
  std::string bytes = ReadFile(path);
  // Make the second object's price negative.
  size_t price = bytes.find("\"price\": ");
  price = bytes.find("\"price\": ", price + 1);
  ASSERT_NE(price, std::string::npos);
  bytes = bytes.substr(0, price + 9) + "-" + bytes.substr(price + 9);
  const size_t object_start = bytes.rfind('{', price);
  auto catalog = ImportCatalog(bytes, "bestbuy.json");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_THAT(catalog->rejected, SizeIs(1));
  EXPECT_EQ(catalog->rejected[0].id, "bestbuy-1");
  EXPECT_EQ(catalog->rejected[0].line, LineOf(bytes, object_start));
  EXPECT_EQ(catalog->rejected[0].reason, "price: must be >= 0");
}

}  // namespace
}  // namespace aisle::ingest
