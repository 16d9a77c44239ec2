#include <bit>
#include <cstring>

#include "base/serial.h"

namespace aisle {

void ByteWriter::PutVarint(uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void ByteWriter::PutSignedVarint(int64_t value) {
  PutVarint((static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
}

void ByteWriter::PutDouble(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void ByteWriter::PutString(std::string_view value) {
  PutVarint(value.size());
  out_.append(value.data(), value.size());
}

void ByteWriter::PutFloats(std::span<const float> values) {
  static_assert(std::endian::native == std::endian::little, "floats are written little-endian");
  out_.append(reinterpret_cast<const char*>(values.data()), values.size_bytes());
}

bool ByteReader::GetFloats(std::span<float> values) {
  if (in_.size() - pos_ < values.size_bytes()) return false;
  std::memcpy(values.data(), in_.data() + pos_, values.size_bytes());
  pos_ += values.size_bytes();
  return true;
}

bool ByteReader::GetU8(uint8_t* value) {
  if (pos_ >= in_.size()) return false;
  *value = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool ByteReader::GetVarint(uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= in_.size()) return false;
    const auto byte = static_cast<uint8_t>(in_[pos_++]);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;  // More than 10 bytes: not a varint we wrote.
}

bool ByteReader::GetSignedVarint(int64_t* value) {
  uint64_t raw;
  if (!GetVarint(&raw)) return false;
  *value = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
  return true;
}

bool ByteReader::GetDouble(double* value) {
  if (in_.size() - pos_ < 8) return false;
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) {
    bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  }
  pos_ += 8;
  std::memcpy(value, &bits, sizeof(bits));
  return true;
}

bool ByteReader::GetString(std::string* value) {
  uint64_t size;
  if (!GetVarint(&size) || size > in_.size() - pos_) return false;
  value->assign(in_.data() + pos_, size);
  pos_ += size;
  return true;
}

}  // namespace aisle
