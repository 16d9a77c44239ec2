// The vector index file's byte plumbing: a streaming checksum, and FILE*
// readers/writers that FAISS's own index_io also writes through, so one
// checksum covers our header and FAISS's payload alike. Private to index/.
#ifndef AISLE_INDEX_VECTOR_FILE_INTERNAL_H_
#define AISLE_INDEX_VECTOR_FILE_INTERNAL_H_

#include <faiss/impl/io.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace aisle::index::internal {

// xxHash64-style checksum over a byte stream fed in arbitrary pieces; fast
// enough (several GB/s) to verify a whole file before parsing it.
class Checksum {
 public:
  void Update(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += size;
    if (buffered_ > 0) {
      const size_t take = std::min(size, sizeof(buffer_) - buffered_);
      std::memcpy(buffer_ + buffered_, p, take);
      buffered_ += take;
      p += take;
      size -= take;
      if (buffered_ < sizeof(buffer_)) return;
      Stripe(buffer_);
      buffered_ = 0;
    }
    for (; size >= sizeof(buffer_); p += sizeof(buffer_), size -= sizeof(buffer_)) Stripe(p);
    std::memcpy(buffer_, p, size);
    buffered_ = size;
  }

  uint64_t Finish() const {
    uint64_t h = std::rotl(lanes_[0], 1) + std::rotl(lanes_[1], 7) + std::rotl(lanes_[2], 12) +
                 std::rotl(lanes_[3], 18);
    h ^= total_ * kPrime1;
    for (size_t i = 0; i < buffered_; ++i) h = std::rotl(h ^ (buffer_[i] * kPrime5), 11) * kPrime1;
    h ^= h >> 33;
    h *= kPrime2;
    h ^= h >> 29;
    h *= kPrime3;
    h ^= h >> 32;
    return h;
  }

 private:
  static constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
  static constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
  static constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;
  static constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

  void Stripe(const unsigned char* p) {
    for (int i = 0; i < 4; ++i) {
      uint64_t word;
      std::memcpy(&word, p + 8 * i, 8);
      lanes_[i] = std::rotl(lanes_[i] + word * kPrime2, 31) * kPrime1;
    }
  }

  uint64_t lanes_[4] = {kPrime1 + kPrime2, kPrime2, 0, 0 - kPrime1};
  unsigned char buffer_[32];
  size_t buffered_ = 0;
  uint64_t total_ = 0;
};

// Writes to a FILE* and checksums what it writes. Also FAISS's writer.
class FileWriter final : public faiss::IOWriter {
 public:
  explicit FileWriter(FILE* f) : f_(f) { name = "vector index"; }
  size_t operator()(const void* ptr, size_t size, size_t nitems) override {
    const size_t written = std::fwrite(ptr, size, nitems, f_);
    checksum_.Update(ptr, size * written);
    if (written != nitems) failed_ = true;
    return written;
  }
  template <typename T>
  void Put(const T& value) {
    (*this)(&value, sizeof(T), 1);
  }
  bool failed() const { return failed_; }
  uint64_t checksum() const { return checksum_.Finish(); }

 private:
  FILE* f_;
  Checksum checksum_;
  bool failed_ = false;
};

// Reads a FILE* up to `limit` bytes (the checksum trailer is not payload).
// Also FAISS's reader: a short read makes FAISS throw.
class FileReader final : public faiss::IOReader {
 public:
  FileReader(FILE* f, uint64_t limit) : f_(f), remaining_(limit) { name = "vector index"; }
  size_t operator()(void* ptr, size_t size, size_t nitems) override {
    if (size == 0) return 0;
    const size_t n = std::min<uint64_t>(nitems, remaining_ / size);
    const size_t got = std::fread(ptr, size, n, f_);
    remaining_ -= got * size;
    return got;
  }
  template <typename T>
  bool Get(T* value) {
    return (*this)(value, sizeof(T), 1) == 1;
  }
  uint64_t remaining() const { return remaining_; }

 private:
  FILE* f_;
  uint64_t remaining_;
};

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_VECTOR_FILE_INTERNAL_H_
