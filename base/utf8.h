// UTF-8 validation and deterministic repair.
#ifndef AISLE_BASE_UTF8_H_
#define AISLE_BASE_UTF8_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aisle {

// Returns the byte offset of the first byte that is not part of a well-formed
// UTF-8 sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF), or
// nullopt when `text` is valid.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) { return !FindInvalidUtf8(text).has_value(); }

// Replaces each maximal invalid subsequence with U+FFFD (the WHATWG / Unicode
// "substitution of maximal subparts" rule), so the same input always repairs
// to the same output. Returns the number of replacements made.
size_t RepairUtf8(std::string_view text, std::string* out);

}  // namespace aisle

#endif  // AISLE_BASE_UTF8_H_
