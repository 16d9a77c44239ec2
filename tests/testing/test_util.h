// Shared test fixtures: temporary directories and the location of the real
// data sets in ../shared/data (absent in a user's fresh clone: tests skip).
#ifndef AISLE_TESTS_TESTING_TEST_UTIL_H_
#define AISLE_TESTS_TESTING_TEST_UTIL_H_

#include <filesystem>
#include <optional>
#include <string>

namespace aisle::testing {

// A fresh directory under the system temp dir, removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ../shared/data/<relative> beside the source tree, or nullopt when absent.
std::optional<std::string> SharedDataFile(const std::string& relative);

// Path of a binary built by this project (e.g. "aisle"), from the build tree.
std::string BuiltBinary(const std::string& name);

}  // namespace aisle::testing

// Skips the current test with a clear message when a shared data file is
// missing; otherwise declares `var` holding its path.
#define AISLE_REQUIRE_SHARED_DATA(var, relative)                                     \
  std::string var;                                                                   \
  do {                                                                               \
    auto aisle_path_ = ::aisle::testing::SharedDataFile(relative);                   \
    if (!aisle_path_) {                                                              \
      GTEST_SKIP() << "../shared/data/" << (relative)                                \
                   << " not found beside the source tree; this test needs the real " \
                      "data sets (present in CI)";                                   \
    }                                                                                \
    var = *aisle_path_;                                                              \
  } while (0)

#endif  // AISLE_TESTS_TESTING_TEST_UTIL_H_
