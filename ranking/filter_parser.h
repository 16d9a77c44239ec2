// Parses Meilisearch's filter syntax into an index::FilterNode tree:
//
//   expr      := or
//   or        := and ("OR" and)*
//   and       := not ("AND" not)*
//   not       := "NOT" not | "(" expr ")" | condition
//   condition := field op value            op: = != > >= < <=
//              | field value "TO" value    inclusive range
//              | field ["NOT"] "IN" "[" value ("," value)* "]"
//              | field ["NOT"] "EXISTS"
//   value     := 'single' | "double" quoted (backslash escapes) | bare word
//
// Keywords are case-insensitive. A bare word runs up to white space or one of
// ( ) [ ] , = ! < > ' ". Field names are not checked here: the index knows
// the catalog's fields and reports an unknown one with its position.
//
// Thread-safe (pure functions).
#ifndef AISLE_RANKING_FILTER_PARSER_H_
#define AISLE_RANKING_FILTER_PARSER_H_

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "index/filter.h"

namespace aisle::ranking {

struct FilterParserOptions {
  size_t max_length = 4096;  // Bytes of source; longer is an error.
  size_t max_depth = 32;     // Nesting of parentheses and NOT.
  size_t max_terms = 256;    // Conditions plus IN values.
};

// InvalidArgumentError(message, "filter", byte position) on a syntax error; the
// message names the position and what was expected.
absl::StatusOr<index::FilterNode> ParseFilter(std::string_view source,
                                              const FilterParserOptions& options = {});

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_FILTER_PARSER_H_
