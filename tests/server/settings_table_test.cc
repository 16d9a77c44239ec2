// The shared reader and writer of numeric settings tables
// (server/settings_table.h). The routes' own tests cover the documents;
// these pin the table rules both routes rely on.
#include "server/settings_table.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server::settings_table {
namespace {

struct Numbers {
  double ratio = 0.5;
  int64_t limit = 3;
  size_t size = 7;
};

Section Table(Numbers* n) {
  return {"rules", {Real("ratio", &n->ratio), Count("limit", &n->limit), Count("size", &n->size)}};
}

// Reads `body`, {"rules": {...}}, into `n` through Table().
absl::Status Read(std::string_view body, Numbers* n) {
  const std::vector<Section> sections = {Table(n)};
  return json::ForEachField(body, 3, [&](std::string_view key, simdjson::ondemand::value value) {
    const Section* section = FindSection(sections, key);
    if (section == nullptr) return absl::InvalidArgumentError("no such section");
    return ReadSection(value, *section, "test");
  });
}

TEST(SettingsTable, ReadsOnlyTheNamedFields) {
  Numbers n;
  ASSERT_TRUE(Read(R"({"rules": {"limit": -2, "ratio": 2}})", &n).ok());
  EXPECT_EQ(n.ratio, 2.0) << "a real takes a JSON integer";
  EXPECT_EQ(n.limit, -2);
  EXPECT_EQ(n.size, 7u) << "not named: unchanged";
}

TEST(SettingsTable, NegativeSizeBecomesZeroForValidationToRefuse) {
  Numbers n;
  ASSERT_TRUE(Read(R"({"rules": {"size": -5}})", &n).ok());
  EXPECT_EQ(n.size, 0u);
}

TEST(SettingsTable, MistakesNameTheFieldOrSection) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"rules": {"limit": 100.0}})", "rules.limit"},
      {R"({"rules": {"size": 1.5}})", "rules.size"},
      {R"({"rules": {"ratio": "1"}})", "rules.ratio"},
      {R"({"rules": [1]})", "rules"},
      {R"({"rules": {"other": 1}})", "rules"},
  };
  for (const auto& [body, field] : cases) {
    Numbers n;
    absl::Status status = Read(body, &n);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << body << " -> " << status;
    EXPECT_EQ(ErrorField(status).value_or("<none>"), field) << body << " -> " << status;
  }
  Numbers n;
  EXPECT_EQ(Read(R"({"rules": {"other": 1}})", &n).message(),
            "unknown test setting 'rules.other': use ratio, limit, size");
}

TEST(SettingsTable, WritesEveryFieldInTableOrder) {
  Numbers n{.ratio = 0.25, .limit = -1, .size = 12};
  JsonWriter out;
  out.BeginObject();
  WriteSection(Table(&n), &out);
  out.EndObject();
  EXPECT_EQ(out.Take(), R"({"rules":{"ratio":0.25,"limit":-1,"size":12}})");
}

}  // namespace
}  // namespace aisle::server::settings_table
