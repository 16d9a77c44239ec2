#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>

#include "ingest/demo_catalog.h"
#include "server/commands.h"
#include "server/flags.h"
#include "server/product_json.h"

namespace aisle::server {

int RunGen(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv, {"count", "seed", "first"});
  if (!flags.ok()) {
    std::cerr << "aisle gen: " << flags.status().message() << "\n";
    return 2;
  }
  auto count = flags->Int("count", 1000);
  auto seed = flags->Int("seed", 42);
  auto first = flags->Int("first", 0);
  if (!count.ok() || !seed.ok() || !first.ok() || *count < 0 || *first < 0) {
    std::cerr << "aisle gen: --count, --seed and --first take non-negative integers\n";
    return 2;
  }
  ingest::DemoCatalogOptions options;
  options.seed = static_cast<uint64_t>(*seed);
  ProductFieldSelection all;
  all.include_private = true;
  constexpr size_t kChunk = 10000;
  for (size_t done = 0; done < static_cast<size_t>(*count); done += kChunk) {
    const size_t n = std::min(kChunk, static_cast<size_t>(*count) - done);
    std::string lines;
    for (const Product& p : ingest::GenerateDemoCatalog(*first + done, n, options)) {
      JsonWriter out;
      WriteProduct(p, all, &out);
      lines += out.Take();
      lines += '\n';
    }
    std::fwrite(lines.data(), 1, lines.size(), stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace aisle::server
