// A compact binary encoding for state that callers persist (user profiles,
// demand counter snapshots, recommendation models): varints, zigzag varints, IEEE-754
// doubles in little-endian order and length-prefixed strings. Each blob starts
// with a two-byte magic and a version byte, so a reader rejects foreign or
// newer data instead of misreading it.
#ifndef AISLE_BASE_SERIAL_H_
#define AISLE_BASE_SERIAL_H_

#include <cstdint>
#include <string>
#include <span>
#include <string_view>

namespace aisle {

class ByteWriter {
 public:
  void PutU8(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void PutVarint(uint64_t value);
  void PutSignedVarint(int64_t value);  // Zigzag, so small negatives stay short.
  void PutDouble(double value);
  void PutString(std::string_view value);
  // Raw little-endian IEEE-754 floats, for vectors and weights.
  void PutFloats(std::span<const float> values);

  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every getter returns false (and leaves the reader failed) on truncated or
// malformed input; callers turn that into a DataLoss status.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool GetU8(uint8_t* value);
  bool GetVarint(uint64_t* value);
  bool GetSignedVarint(int64_t* value);
  bool GetDouble(double* value);
  bool GetString(std::string* value);
  bool GetFloats(std::span<float> values);

  bool AtEnd() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace aisle

#endif  // AISLE_BASE_SERIAL_H_
