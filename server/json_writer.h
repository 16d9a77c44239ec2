// JsonWriter: a small streaming JSON writer, the one place in aisle that
// produces JSON text. Commas and colons are inserted automatically from a
// small stack of open containers.
//
// Output is always valid JSON (RFC 8259) for any input bytes:
// - strings: '"', '\\' and control characters are escaped ("\n", "\t", ...,
//   others as \u00XX); valid UTF-8 is copied as is; each maximal invalid UTF-8
//   subsequence becomes U+FFFD (the same rule as base/utf8.h RepairUtf8);
// - Double(): the shortest text that round-trips (std::to_chars); integral
//   values print without a fraction ("49", not "49.0"); magnitudes from 1e15
//   up always use an exponent ("1e+22", "1.2345678901234567e+15") so no
//   parser mistakes them for a too-large integer; tiny ones may too
//   ("5e-324"); NaN and +/-Inf print as null.
//
// Misuse (a value inside an object without a Key, unbalanced End*) is a
// programming error, caught by assert() in debug builds.
//
// Thread-safety: none; one writer per thread. Owns its output string.
#ifndef AISLE_SERVER_JSON_WRITER_H_
#define AISLE_SERVER_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aisle::server {

class JsonWriter {
 public:
  JsonWriter() = default;
  // Pre-allocates `capacity` bytes of output.
  explicit JsonWriter(size_t capacity) { out_.reserve(capacity); }

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Double(double value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts `json_value` verbatim as one value (e.g. a pre-rendered document).
  // The caller guarantees it is valid JSON.
  JsonWriter& Raw(std::string_view json_value);

  // True when every container opened has been closed.
  bool complete() const { return stack_.empty() && !out_.empty(); }
  const std::string& str() const { return out_; }
  // Moves the output out and resets the writer for reuse.
  std::string Take();

  // Appends `value` as a quoted, escaped JSON string to `out` (no separators).
  static void AppendQuoted(std::string_view value, std::string* out);

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true for an object, false for an array.
  std::vector<bool> stack_;
  bool first_ = true;       // No element written yet in the innermost container.
  bool after_key_ = false;  // A Key was written; its value comes next.
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_JSON_WRITER_H_
