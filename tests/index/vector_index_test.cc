#include "index/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "tests/testing/test_util.h"

namespace aisle::index {
namespace {

constexpr VectorIndexKind kKinds[] = {VectorIndexKind::kFlat, VectorIndexKind::kIvf,
                                      VectorIndexKind::kHnsw};

const char* Name(VectorIndexKind kind) {
  switch (kind) {
    case VectorIndexKind::kFlat:
      return "flat";
    case VectorIndexKind::kIvf:
      return "ivf";
    case VectorIndexKind::kHnsw:
      return "hnsw";
    case VectorIndexKind::kAuto:
      return "auto";
  }
  return "?";
}

// Items in gaussian clusters (more like real embeddings than uniform noise).
struct Data {
  int dimension = 0;
  std::vector<int64_t> ids;
  std::vector<float> vectors;
  std::span<const float> Row(size_t i) const {
    return std::span<const float>(vectors).subspan(i * dimension, dimension);
  }
};

Data Clustered(size_t n, int d, int clusters, uint32_t seed, int64_t first_id = 0) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> centers(static_cast<size_t>(clusters) * d);
  for (float& c : centers) c = normal(rng);
  Data data{.dimension = d};
  for (size_t i = 0; i < n; ++i) {
    data.ids.push_back(first_id + static_cast<int64_t>(i) * 3);  // Not positions.
    const size_t c = rng() % clusters;
    for (int j = 0; j < d; ++j) data.vectors.push_back(centers[c * d + j] + 0.3f * normal(rng));
  }
  return data;
}

// Options that make IVF exact on tiny inputs (one list, probed) and HNSW
// exhaustive, so hand-made cases have one right answer for every kind.
VectorIndexOptions SmallOptions(VectorIndexKind kind, int d) {
  return {.dimension = d, .kind = kind, .ivf_lists = 1, .ivf_probe = 1, .hnsw_m = 8,
          .hnsw_ef_search = 64};
}

std::unique_ptr<VectorIndex> MustBuild(const VectorIndexOptions& options, const Data& data) {
  auto index = VectorIndex::Build(options, data.ids, data.vectors);
  EXPECT_TRUE(index.ok()) << index.status();
  return index.ok() ? std::move(*index) : nullptr;
}

std::vector<VectorHit> MustSearch(const VectorIndex& index, std::span<const float> query, size_t k,
                                  const VectorFilter* filter = nullptr) {
  auto hits = index.Search(query, k, filter);
  EXPECT_TRUE(hits.ok()) << hits.status();
  return hits.ok() ? *hits : std::vector<VectorHit>{};
}

std::vector<int64_t> Ids(const std::vector<VectorHit>& hits) {
  std::vector<int64_t> ids;
  for (const VectorHit& h : hits) ids.push_back(h.id);
  return ids;
}

// Exact top-k ids by brute force, honouring `admit`.
std::vector<int64_t> BruteForce(const Data& data, std::span<const float> q, size_t k,
                                const std::function<bool(int64_t)>& admit = nullptr) {
  std::vector<VectorHit> all;
  for (size_t i = 0; i < data.ids.size(); ++i) {
    if (admit && !admit(data.ids[i])) continue;
    float s = 0;
    for (int j = 0; j < data.dimension; ++j) s += q[j] * data.vectors[i * data.dimension + j];
    all.push_back({data.ids[i], s});
  }
  std::sort(all.begin(), all.end(), [](const VectorHit& a, const VectorHit& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  });
  all.resize(std::min(k, all.size()));
  return Ids(all);
}

double Recall(const std::vector<int64_t>& got, const std::vector<int64_t>& truth) {
  std::set<int64_t> want(truth.begin(), truth.end());
  size_t found = 0;
  for (int64_t id : got) found += want.count(id);
  return truth.empty() ? 1.0 : static_cast<double>(found) / truth.size();
}

// Four 2-d items with a known order for the query (1, 0).
Data Hand() {
  return Data{.dimension = 2,
              .ids = {10, 20, 30, 40},
              .vectors = {0.9f, 0.1f, 0.1f, 0.9f, 0.5f, 0.5f, -1.0f, 0.0f}};
}

TEST(VectorIndex, SearchReturnsExactTopKOnHandMadeVectors) {
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild(SmallOptions(kind, 2), Hand());
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->kind(), kind);
    EXPECT_EQ(index->size(), 4u);
    const float q[] = {1.0f, 0.0f};
    std::vector<VectorHit> hits = MustSearch(*index, q, 3);
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_EQ(Ids(hits), (std::vector<int64_t>{10, 30, 20}));
    EXPECT_FLOAT_EQ(hits[0].score, 0.9f);
    EXPECT_FLOAT_EQ(hits[1].score, 0.5f);
    EXPECT_FLOAT_EQ(hits[2].score, 0.1f);
    // k beyond the item count returns every item.
    EXPECT_EQ(Ids(MustSearch(*index, q, 100)), (std::vector<int64_t>{10, 30, 20, 40}));
    EXPECT_TRUE(MustSearch(*index, q, 0).empty());
  }
}

TEST(VectorIndex, ApproximateKindsReachRecallAtTenOnClusteredVectors) {
  const Data data = Clustered(4000, 32, 40, 7);
  const Data queries = Clustered(50, 32, 40, 7);  // Same centres, new points.
  for (VectorIndexKind kind : {VectorIndexKind::kIvf, VectorIndexKind::kHnsw}) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild({.dimension = 32, .kind = kind}, data);
    ASSERT_NE(index, nullptr);
    double recall = 0;
    for (size_t i = 0; i < queries.ids.size(); ++i) {
      recall += Recall(Ids(MustSearch(*index, queries.Row(i), 10)),
                       BruteForce(data, queries.Row(i), 10));
    }
    EXPECT_GE(recall / queries.ids.size(), 0.9);
  }
}

TEST(VectorIndex, FlatMatchesBruteForceExactly) {
  const Data data = Clustered(10000, 50, 100, 3);  // Several storage blocks.
  auto index = MustBuild({.dimension = 50, .kind = VectorIndexKind::kFlat}, data);
  ASSERT_NE(index, nullptr);
  const Data queries = Clustered(20, 50, 100, 3);
  for (size_t i = 0; i < queries.ids.size(); ++i) {
    EXPECT_EQ(Ids(MustSearch(*index, queries.Row(i), 20)), BruteForce(data, queries.Row(i), 20));
  }
}

TEST(VectorIndex, FilterExcludesIdsAndStillReturnsK) {
  const Data data = Clustered(2000, 16, 20, 11);
  const Data queries = Clustered(10, 16, 20, 11);
  // Rejects every other id: the unfiltered top results are mostly excluded.
  const VectorFilter filter = [](int64_t id) { return (id / 3) % 2 == 0; };
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild({.dimension = 16, .kind = kind}, data);
    ASSERT_NE(index, nullptr);
    for (size_t i = 0; i < queries.ids.size(); ++i) {
      std::vector<VectorHit> hits = MustSearch(*index, queries.Row(i), 10, &filter);
      ASSERT_EQ(hits.size(), 10u);
      for (const VectorHit& h : hits) EXPECT_TRUE(filter(h.id)) << h.id;
    }
  }
  // Flat: exactly the filtered brute force.
  auto flat = MustBuild({.dimension = 16, .kind = VectorIndexKind::kFlat}, data);
  EXPECT_EQ(Ids(MustSearch(*flat, queries.Row(0), 10, &filter)),
            BruteForce(data, queries.Row(0), 10, filter));
}

TEST(VectorIndex, RemovedIdIsNeverReturned) {
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild(SmallOptions(kind, 2), Hand());
    ASSERT_NE(index, nullptr);
    EXPECT_TRUE(index->Remove(10));
    EXPECT_FALSE(index->Remove(10));
    EXPECT_FALSE(index->Remove(999));
    EXPECT_EQ(index->size(), 3u);
    EXPECT_FALSE(index->Vector(10).has_value());
    const float q[] = {1.0f, 0.0f};
    EXPECT_EQ(Ids(MustSearch(*index, q, 10)), (std::vector<int64_t>{30, 20, 40}));
  }
}

TEST(VectorIndex, AddedIdIsFound) {
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild(SmallOptions(kind, 2), Hand());
    ASSERT_NE(index, nullptr);
    const float v[] = {2.0f, 0.0f};
    ASSERT_TRUE(index->Add(50, v).ok());
    EXPECT_EQ(index->size(), 5u);
    const float q[] = {1.0f, 0.0f};
    std::vector<VectorHit> hits = MustSearch(*index, q, 2);
    EXPECT_EQ(Ids(hits), (std::vector<int64_t>{50, 10}));
    EXPECT_EQ(index->Vector(50), (std::vector<float>{2.0f, 0.0f}));
  }
}

TEST(VectorIndex, AddReplacesTheVectorOfAnExistingId) {
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild(SmallOptions(kind, 2), Hand());
    ASSERT_NE(index, nullptr);
    const float v[] = {-2.0f, 0.0f};  // 10 moves from best to worst.
    ASSERT_TRUE(index->Add(10, v).ok());
    EXPECT_EQ(index->size(), 4u);
    EXPECT_EQ(index->Vector(10), (std::vector<float>{-2.0f, 0.0f}));
    const float q[] = {1.0f, 0.0f};
    EXPECT_EQ(Ids(MustSearch(*index, q, 10)), (std::vector<int64_t>{30, 20, 40, 10}));
    // Removing it after the replacement removes it entirely.
    EXPECT_TRUE(index->Remove(10));
    EXPECT_EQ(Ids(MustSearch(*index, q, 10)), (std::vector<int64_t>{30, 20, 40}));
  }
}

TEST(VectorIndex, VectorReturnsTheStoredVector) {
  const Data data = Clustered(500, 8, 5, 5);
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild({.dimension = 8, .kind = kind, .ivf_lists = 4}, data);
    ASSERT_NE(index, nullptr);
    for (size_t i : {size_t{0}, size_t{123}, size_t{499}}) {
      auto v = index->Vector(data.ids[i]);
      ASSERT_TRUE(v.has_value());
      EXPECT_EQ(*v, std::vector<float>(data.Row(i).begin(), data.Row(i).end()));
    }
    EXPECT_FALSE(index->Vector(1).has_value());  // Ids are multiples of 3.
  }
}

TEST(VectorIndex, SaveThenLoadReturnsIdenticalResults) {
  const Data data = Clustered(3000, 24, 30, 13);
  const Data queries = Clustered(10, 24, 30, 13);
  const VectorFilter filter = [](int64_t id) { return id % 5 != 0; };
  testing::TempDir dir;
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild({.dimension = 24, .kind = kind, .ivf_probe = 4}, data);
    ASSERT_NE(index, nullptr);
    // Edits before saving must survive too.
    ASSERT_TRUE(index->Add(1, queries.Row(0)).ok());
    index->Remove(data.ids[7]);
    const std::string path = dir.Sub(Name(kind));
    ASSERT_TRUE(index->Save(path).ok());
    ASSERT_TRUE(index->Save(path).ok());  // Overwrites in place.
    auto loaded = VectorIndex::Load(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ((*loaded)->kind(), kind);
    EXPECT_EQ((*loaded)->dimension(), 24);
    EXPECT_EQ((*loaded)->size(), index->size());
    for (size_t i = 0; i < queries.ids.size(); ++i) {
      EXPECT_EQ(MustSearch(**loaded, queries.Row(i), 20, &filter),
                MustSearch(*index, queries.Row(i), 20, &filter));
    }
    EXPECT_FALSE((*loaded)->Vector(data.ids[7]).has_value());
    EXPECT_EQ((*loaded)->Vector(data.ids[9]), index->Vector(data.ids[9]));
    // The loaded index takes edits as well.
    // (Scaled up: under inner product a vector need not be its own best match.)
    std::vector<float> big(queries.Row(1).begin(), queries.Row(1).end());
    for (float& v : big) v *= 10;
    EXPECT_TRUE((*loaded)->Add(2, big).ok());
    EXPECT_EQ(MustSearch(**loaded, queries.Row(1), 1)[0].id, 2);
  }
  // No temporary files left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  EXPECT_EQ(files, 3u);
}

TEST(VectorIndex, LoadReturnsAnErrorWhenTheFileIsMissingOrCorrupt) {
  testing::TempDir dir;
  EXPECT_EQ(VectorIndex::Load(dir.Sub("missing")).status().code(), absl::StatusCode::kNotFound);

  {
    std::ofstream(dir.Sub("garbage")) << "this is not a vector index";
  }
  EXPECT_FALSE(VectorIndex::Load(dir.Sub("garbage")).ok());
  {
    std::ofstream(dir.Sub("empty"));
  }
  EXPECT_FALSE(VectorIndex::Load(dir.Sub("empty")).ok());

  const Data data = Clustered(600, 8, 6, 17);
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild({.dimension = 8, .kind = kind, .ivf_lists = 8}, data);
    ASSERT_NE(index, nullptr);
    const std::string path = dir.Sub(std::string("good-") + Name(kind));
    ASSERT_TRUE(index->Save(path).ok());
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_GT(bytes.size(), 100u);
    // A flipped byte anywhere (header, ids, FAISS payload, checksum) and a
    // truncated file are DataLoss.
    for (size_t at : {size_t{3}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
      std::string bad = bytes;
      bad[at] ^= 0x5a;
      const std::string bad_path = dir.Sub("bad");
      std::ofstream(bad_path, std::ios::binary) << bad;
      EXPECT_EQ(VectorIndex::Load(bad_path).status().code(), absl::StatusCode::kDataLoss) << at;
    }
    const std::string cut_path = dir.Sub("cut");
    std::ofstream(cut_path, std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3);
    EXPECT_EQ(VectorIndex::Load(cut_path).status().code(), absl::StatusCode::kDataLoss);
  }
}

TEST(VectorIndex, WrongDimensionIsInvalidArgument) {
  auto index = MustBuild(SmallOptions(VectorIndexKind::kFlat, 2), Hand());
  ASSERT_NE(index, nullptr);
  const float three[] = {1, 2, 3};
  EXPECT_EQ(index->Search(three, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Add(7, three).code(), absl::StatusCode::kInvalidArgument);
  const float nan[] = {std::numeric_limits<float>::quiet_NaN(), 0};
  EXPECT_EQ(index->Search(nan, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Add(-1, std::span<const float>(three, 2)).code(),
            absl::StatusCode::kInvalidArgument);

  // Bad Build input.
  const int64_t ids[] = {1, 1};
  const float vectors[] = {1, 2, 3, 4};
  EXPECT_EQ(VectorIndex::Build({.dimension = 2}, ids, vectors).status().code(),
            absl::StatusCode::kInvalidArgument);  // Repeated id.
  EXPECT_EQ(VectorIndex::Build({.dimension = 3}, std::span<const int64_t>(ids, 1), vectors)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);  // 4 floats for 1 x 3.
  EXPECT_EQ(VectorIndex::Build({.dimension = 0}, {}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VectorIndex::Build({.dimension = 2, .kind = VectorIndexKind::kIvf, .ivf_lists = 4},
                               std::span<const int64_t>(ids, 1), std::span<const float>(vectors, 2))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);  // Fewer vectors than lists.
}

TEST(VectorIndex, SearchOnEmptyIndexReturnsEmpty) {
  for (VectorIndexKind kind : {VectorIndexKind::kAuto, VectorIndexKind::kFlat,
                               VectorIndexKind::kHnsw}) {
    SCOPED_TRACE(Name(kind));
    auto index = VectorIndex::Build({.dimension = 4, .kind = kind}, {}, {});
    ASSERT_TRUE(index.ok()) << index.status();
    EXPECT_EQ((*index)->size(), 0u);
    const float q[] = {1, 0, 0, 0};
    EXPECT_TRUE(MustSearch(**index, q, 10).empty());
    // Items added later are found.
    ASSERT_TRUE((*index)->Add(3, q).ok());
    EXPECT_EQ(Ids(MustSearch(**index, q, 10)), (std::vector<int64_t>{3}));
  }
  // IVF over items that are all removed.
  auto ivf = MustBuild(SmallOptions(VectorIndexKind::kIvf, 2), Hand());
  ASSERT_NE(ivf, nullptr);
  for (int64_t id : Hand().ids) ivf->Remove(id);
  const float q[] = {1, 0};
  EXPECT_TRUE(MustSearch(*ivf, q, 10).empty());
}

TEST(VectorIndex, SetSearchEffortChangesRecallAndSurvivesSaveLoad) {
  const Data data = Clustered(4000, 32, 40, 29);
  const Data queries = Clustered(30, 32, 40, 29);
  auto index = MustBuild({.dimension = 32, .kind = VectorIndexKind::kIvf, .ivf_probe = 1}, data);
  ASSERT_NE(index, nullptr);
  auto recall = [&](const VectorIndex& idx) {
    double sum = 0;
    for (size_t i = 0; i < queries.ids.size(); ++i) {
      sum += Recall(Ids(MustSearch(idx, queries.Row(i), 10)), BruteForce(data, queries.Row(i), 10));
    }
    return sum / queries.ids.size();
  };
  const double low = recall(*index);
  EXPECT_EQ(index->SetSearchEffort(0, 64).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(index->SetSearchEffort(1000, 64).ok());  // Every list: exact.
  EXPECT_EQ(recall(*index), 1.0);
  EXPECT_LT(low, 1.0);
  testing::TempDir dir;
  ASSERT_TRUE(index->Save(dir.Sub("ivf")).ok());
  auto loaded = VectorIndex::Load(dir.Sub("ivf"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(recall(**loaded), 1.0);
}

// FAISS 1.7.3 reads HNSW's efSearch from the index, not the search
// parameters: SetSearchEffort must still change it.
TEST(VectorIndex, HnswEfSearchRaisesRecallWhenIncreased) {
  const Data data = Clustered(5000, 32, 5000, 31);  // One point per centre: uniform noise.
  const Data queries = Clustered(40, 32, 40, 37);
  auto index = MustBuild({.dimension = 32, .kind = VectorIndexKind::kHnsw, .hnsw_m = 8,
                          .hnsw_ef_search = 10, .hnsw_ef_construction = 20},
                         data);
  ASSERT_NE(index, nullptr);
  auto recall = [&] {
    double sum = 0;
    for (size_t i = 0; i < queries.ids.size(); ++i) {
      sum += Recall(Ids(MustSearch(*index, queries.Row(i), 10)), BruteForce(data, queries.Row(i), 10));
    }
    return sum / queries.ids.size();
  };
  const double low = recall();
  ASSERT_TRUE(index->SetSearchEffort(16, 400).ok());
  const double high = recall();
  EXPECT_GT(high, low + 0.05) << low << " -> " << high;
}

TEST(VectorIndex, AutoPicksFlatForFewItemsAndIvfForMany) {
  const Data data = Clustered(1000, 4, 10, 19);
  auto small = MustBuild({.dimension = 4}, data);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->kind(), VectorIndexKind::kFlat);
  auto large = MustBuild({.dimension = 4, .flat_max_items = 999}, data);
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(large->kind(), VectorIndexKind::kIvf);
}

TEST(VectorIndex, ConcurrentSearchesWhileAddingAndRemovingNeverReturnRemovedIds) {
  const Data data = Clustered(3000, 16, 30, 23);
  for (VectorIndexKind kind : kKinds) {
    SCOPED_TRACE(Name(kind));
    auto index = MustBuild({.dimension = 16, .kind = kind}, data);
    ASSERT_NE(index, nullptr);
    // The writer removes ids in order and publishes how many are gone; a
    // search that starts after that must not return any of them.
    std::atomic<size_t> removed{0};
    std::atomic<bool> done{false};
    std::atomic<int> violations{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
      readers.emplace_back([&, t] {
        size_t i = t;
        while (!done.load()) {
          const size_t gone = removed.load();
          auto hits = index->Search(data.Row(i++ % data.ids.size()), 20);
          if (!hits.ok()) {
            ++errors;
            continue;
          }
          for (const VectorHit& h : *hits) {
            // Removed ids are data.ids[0..gone); re-added ones are >= 1e6.
            if (h.id < 1'000'000 && static_cast<size_t>(h.id / 3) < gone) ++violations;
          }
        }
      });
    }
    std::thread writer([&] {
      for (size_t i = 0; i < 300; ++i) {
        index->Remove(data.ids[i]);
        removed.store(i + 1);
        if (!index->Add(1'000'000 + static_cast<int64_t>(i), data.Row(i)).ok()) ++errors;
      }
      done.store(true);
    });
    writer.join();
    for (std::thread& r : readers) r.join();
    EXPECT_EQ(violations.load(), 0);
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(index->size(), data.ids.size());
  }
}

}  // namespace
}  // namespace aisle::index
