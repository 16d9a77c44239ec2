#include "base/utf8.h"

namespace aisle {
namespace {

// Length of the well-formed sequence starting at text[i], or 0 if the bytes
// there do not start one. `*consumed` receives the length of the maximal
// subpart to replace when invalid (at least 1).
size_t SequenceLength(std::string_view text, size_t i, size_t* consumed) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  *consumed = 1;
  if (b0 < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // Allowed range of the second byte.
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // No overlongs.
    if (b0 == 0xED) hi = 0x9F;  // No surrogates.
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // No overlongs.
    if (b0 == 0xF4) hi = 0x8F;  // <= U+10FFFF.
  } else {
    return 0;
  }
  for (size_t k = 1; k < need; ++k) {
    if (i + k >= text.size()) return 0;
    const unsigned char b = byte(i + k);
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return 0;
    *consumed = k + 1;
  }
  return need;
}

}  // namespace

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Fast path over ASCII runs.
    while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
    if (i == text.size()) break;
    size_t consumed;
    const size_t len = SequenceLength(text, i, &consumed);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

size_t RepairUtf8(std::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  size_t replaced = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t consumed;
    const size_t len = SequenceLength(text, i, &consumed);
    if (len == 0) {
      out->append("\xEF\xBF\xBD");
      ++replaced;
      i += consumed;
    } else {
      out->append(text.substr(i, len));
      i += len;
    }
  }
  return replaced;
}

}  // namespace aisle
