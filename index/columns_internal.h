// Internal to index/: storage for the in-memory columns.
//
// ChunkedArray: a growable array indexed by a 32-bit key (a Xapian docid, an
// ordinal) whose entries never move: fixed chunks of 65536 entries behind a
// two-level directory of atomic pointers, a chunk allocated on the first write
// into it (so sparse columns stay small). One writer thread; any number of
// lock-free readers. Entries are atomics read and written relaxed: a reader
// racing a write sees the old or the new value, never a torn one. Documents
// become visible to searches through commit + generation + reopen, which
// orders their column writes before any search that can match them.
//
// Dictionary: facet values <-> ordinals (1-based, 0 = missing), append-only.
#ifndef AISLE_INDEX_COLUMNS_INTERNAL_H_
#define AISLE_INDEX_COLUMNS_INTERNAL_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aisle::index::internal {

template <typename T>
class ChunkedArray {
 public:
  static constexpr int kChunkBits = 16;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr uint32_t kChunkMask = kChunkSize - 1;
  using Slot = std::atomic<T>;

  ChunkedArray() = default;
  ChunkedArray(const ChunkedArray&) = delete;
  ChunkedArray& operator=(const ChunkedArray&) = delete;
  ~ChunkedArray() {
    for (auto& page_ptr : pages_) {
      Page* page = page_ptr.load(std::memory_order_relaxed);
      if (page == nullptr) continue;
      for (auto& chunk : page->chunks) delete chunk.load(std::memory_order_relaxed);
      delete page;
    }
  }

  // Any thread. T{} where nothing was written.
  T Get(uint32_t i) const {
    const Slot* chunk = ChunkOf(i);
    return chunk == nullptr ? T{} : chunk[i & kChunkMask].load(std::memory_order_relaxed);
  }

  // The chunk holding entry i (its first slot), or nullptr when unallocated.
  const Slot* ChunkOf(uint32_t i) const {
    const Page* page = pages_[i >> 24].load(std::memory_order_acquire);
    if (page == nullptr) return nullptr;
    const Chunk* chunk = page->chunks[(i >> kChunkBits) & 0xff].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : chunk->slots.data();
  }

  // Writer thread only.
  void Set(uint32_t i, T value) {
    MutableChunk(i)[i & kChunkMask].store(value, std::memory_order_relaxed);
  }

  // Any thread: stores into an entry whose chunk exists (returns false when it
  // does not). Live-signal updates use this for documents the writer has
  // already applied, so they never race the writer's chunk allocation.
  bool SetExisting(uint32_t i, T value) {
    const Slot* chunk = ChunkOf(i);
    if (chunk == nullptr) return false;
    const_cast<Slot*>(chunk)[i & kChunkMask].store(value, std::memory_order_relaxed);
    return true;
  }

  // Writer thread only; does not allocate.
  void Clear(uint32_t i) {
    Page* page = pages_[i >> 24].load(std::memory_order_relaxed);
    if (page == nullptr) return;
    Chunk* chunk = page->chunks[(i >> kChunkBits) & 0xff].load(std::memory_order_relaxed);
    if (chunk != nullptr) chunk->slots[i & kChunkMask].store(T{}, std::memory_order_relaxed);
  }

  size_t allocated_bytes() const { return chunks_allocated_.load() * sizeof(Chunk); }

 private:
  struct Chunk {
    std::array<Slot, kChunkSize> slots{};  // Value-initialized: all T{}.
  };
  struct Page {
    std::array<std::atomic<Chunk*>, 256> chunks{};
  };

  Slot* MutableChunk(uint32_t i) {
    std::atomic<Page*>& page_ptr = pages_[i >> 24];
    Page* page = page_ptr.load(std::memory_order_relaxed);
    if (page == nullptr) {
      page = new Page();
      page_ptr.store(page, std::memory_order_release);
    }
    std::atomic<Chunk*>& chunk_ptr = page->chunks[(i >> kChunkBits) & 0xff];
    Chunk* chunk = chunk_ptr.load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new Chunk();
      chunk_ptr.store(chunk, std::memory_order_release);
      chunks_allocated_.fetch_add(1, std::memory_order_relaxed);
    }
    return chunk->slots.data();
  }

  std::array<std::atomic<Page*>, 256> pages_{};
  std::atomic<size_t> chunks_allocated_{0};
};

// Reads one ChunkedArray with one directory walk per chunk: the matcher visits
// docids in ascending order, so consecutive reads mostly hit the same chunk.
// One per thread (per query).
template <typename T>
class ChunkedReader {
 public:
  ChunkedReader() = default;
  explicit ChunkedReader(const ChunkedArray<T>* array) : array_(array) {}

  T Get(uint32_t i) {
    const uint32_t chunk = i >> ChunkedArray<T>::kChunkBits;
    if (chunk != chunk_index_) {
      base_ = array_->ChunkOf(i);
      chunk_index_ = chunk;
    }
    return base_ == nullptr
               ? T{}
               : base_[i & ChunkedArray<T>::kChunkMask].load(std::memory_order_relaxed);
  }

 private:
  const ChunkedArray<T>* array_ = nullptr;
  uint32_t chunk_index_ = ~0u;
  const typename ChunkedArray<T>::Slot* base_ = nullptr;
};

// Values of one facet <-> ordinals. Matching is by lowercased key; the display
// form is that of the first occurrence. Intern() is for the writer thread
// only; Find()/Display()/size() are safe from any thread.
class Dictionary {
 public:
  // The ordinal of `key` (already normalized), adding it with `display`.
  uint32_t Intern(const std::string& key, std::string_view display);
  // 0 when absent.
  uint32_t Find(const std::string& key) const;
  // Highest ordinal handed out.
  uint32_t size() const { return size_.load(std::memory_order_acquire); }
  std::string Display(uint32_t ordinal) const;
  // Calls f(displays) under the read lock; displays[ordinal - 1].
  template <typename F>
  void WithDisplays(F&& f) const {
    std::shared_lock lock(mu_);
    f(displays_);
  }

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::string> displays_;                   // Guarded by mu_.
  std::unordered_map<std::string, uint32_t> ordinals_;  // Guarded by mu_ (writes).
  std::atomic<uint32_t> size_{0};
};

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_COLUMNS_INTERNAL_H_
