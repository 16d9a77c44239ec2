#include "tests/testing/test_util.h"

#include <unistd.h>

#include <atomic>
#include <random>
#include <stdexcept>

namespace aisle::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  const auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / ("aisle-test-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter++) + "-" + std::to_string(rd() % 100000));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::optional<std::string> SharedDataFile(const std::string& relative) {
  const auto path = std::filesystem::path(AISLE_SOURCE_DIR) / ".." / "shared" / "data" / relative;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return std::filesystem::canonical(path).string();
}

std::string BuiltBinary(const std::string& name) {
  return (std::filesystem::path(AISLE_BINARY_DIR) / name).string();
}

}  // namespace aisle::testing
