// The filter expression tree that search evaluates. ranking/filter_parser.h
// builds it from Meilisearch's filter syntax; the index resolves field names
// and types when it compiles the tree, so an unknown attribute is reported
// with the position of the clause that named it.
#ifndef AISLE_INDEX_FILTER_H_
#define AISLE_INDEX_FILTER_H_

#include <cstddef>
#include <string>
#include <vector>

namespace aisle::index {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct FilterNode {
  enum class Kind {
    kAnd,      // children: 2 or more
    kOr,       // children: 2 or more
    kNot,      // children: exactly 1
    kCompare,  // field op values[0]
    kRange,    // field values[0] TO values[1] (inclusive)
    kIn,       // field IN [values...]
    kExists,   // field EXISTS
  };
  Kind kind = Kind::kAnd;
  std::vector<FilterNode> children;
  std::string field;
  CompareOp op = CompareOp::kEq;
  // Literals as written (quotes removed). Numeric fields parse them as numbers
  // when the index compiles the tree.
  std::vector<std::string> values;
  size_t position = 0;  // Byte offset of this clause in the filter source.
};

}  // namespace aisle::index

#endif  // AISLE_INDEX_FILTER_H_
