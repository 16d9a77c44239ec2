#include "server/json_writer.h"

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>

namespace aisle::server {
namespace {

// Class of each byte inside a string: 0 copy as is, 1 escape, 2 non-ASCII.
constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 0x20; ++c) classes[c] = 1;
  classes['"'] = 1;
  classes['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) classes[c] = 2;
  return classes;
}
constexpr std::array<uint8_t, 256> kByteClass = MakeByteClasses();

void AppendEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default:
      break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
  out->append(buf, sizeof(buf));
}

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629), or 0; then
// `*skip` is the length of the maximal invalid subpart to replace (>= 1).
size_t Utf8SequenceLength(std::string_view text, size_t i, size_t* skip) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  *skip = 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // Allowed range of the second byte.
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // Overlong.
    if (b0 == 0xED) hi = 0x9F;  // Surrogates.
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // Overlong.
    if (b0 == 0xF4) hi = 0x8F;  // Above U+10FFFF.
  } else {
    return 0;
  }
  for (size_t k = 1; k < need; ++k) {
    if (i + k >= text.size()) return 0;
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
    *skip = k + 1;
  }
  return need;
}

}  // namespace

void JsonWriter::AppendQuoted(std::string_view value, std::string* out) {
  out->push_back('"');
  size_t run_start = 0;  // Start of the pending run of bytes copied as is.
  size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    const uint8_t cls = kByteClass[c];
    if (cls == 0) {
      ++i;
      continue;
    }
    if (cls == 2) {
      size_t skip;
      const size_t len = Utf8SequenceLength(value, i, &skip);
      if (len != 0) {
        i += len;  // Valid: stays in the run.
        continue;
      }
      out->append(value.data() + run_start, i - run_start);
      out->append("\xEF\xBF\xBD");
      i += skip;
    } else {
      out->append(value.data() + run_start, i - run_start);
      AppendEscape(c, out);
      ++i;
    }
    run_start = i;
  }
  out->append(value.data() + run_start, value.size() - run_start);
  out->push_back('"');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  assert((stack_.empty() || !stack_.back()) && "a value inside an object needs a Key");
  assert((!stack_.empty() || out_.empty()) && "one top-level value per document");
  if (!first_) out_.push_back(',');
  first_ = false;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  stack_.push_back(true);
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  assert(!stack_.empty() && stack_.back() && !after_key_);
  out_.push_back('}');
  stack_.pop_back();
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  stack_.push_back(false);
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  assert(!stack_.empty() && !stack_.back());
  out_.push_back(']');
  stack_.pop_back();
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  assert(!stack_.empty() && stack_.back() && !after_key_ && "Key outside an object");
  if (!first_) out_.push_back(',');
  first_ = false;
  AppendQuoted(key, &out_);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendQuoted(value, &out_);
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_.append("null");
    return *this;
  }
  char buf[32];  // The shortest form of a double needs at most 24 chars.
  // From 1e15 up, the plain shortest form of an integral value is a long
  // integer ("465855857181161357312") that some parsers (simdjson 3.0)
  // reject beyond 64 bits: use the exponent form there.
  const auto result = std::fabs(value) < 1e15 ? std::to_chars(buf, buf + sizeof(buf), value)
                                              : std::to_chars(buf, buf + sizeof(buf), value,
                                                              std::chars_format::scientific);
  out_.append(buf, result.ptr);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, result.ptr);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, result.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json_value) {
  BeforeValue();
  out_.append(json_value);
  return *this;
}

std::string JsonWriter::Take() {
  std::string result = std::move(out_);
  out_.clear();
  stack_.clear();
  first_ = true;
  after_key_ = false;
  return result;
}

}  // namespace aisle::server
