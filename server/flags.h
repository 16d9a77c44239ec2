// Command-line flags: `--name value` or `--name=value`, and positional
// arguments. Small on purpose: aisle has a handful of subcommands.
#ifndef AISLE_SERVER_FLAGS_H_
#define AISLE_SERVER_FLAGS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"

namespace aisle::server {

class Flags {
 public:
  // `known` lists the accepted flag names (without "--"); `booleans` those
  // that take no value. An unknown flag or a missing value is an error.
  static absl::StatusOr<Flags> Parse(int argc, char** argv, const std::set<std::string>& known,
                                     const std::set<std::string>& booleans = {});

  std::string String(const std::string& name, const std::string& fallback) const;
  absl::StatusOr<int64_t> Int(const std::string& name, int64_t fallback) const;
  bool Bool(const std::string& name) const { return values_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_FLAGS_H_
