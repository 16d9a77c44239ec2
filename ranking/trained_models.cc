#include "ranking/trained_models.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "base/serial.h"

namespace aisle::ranking {
namespace {

constexpr char kModelsFile[] = "models.bin";
constexpr char kFactorsFile[] = "factors.faiss";
constexpr uint8_t kMagic0 = 'R';
constexpr uint8_t kMagic1 = 'M';
constexpr uint8_t kVersion = 1;
constexpr size_t kPopularKept = 1000;

absl::StatusOr<ImplicitMatrix> MatrixOf(const InteractionLog& log,
                                        const InteractionWeights& weights) {
  std::vector<ImplicitMatrix::Triple> triples;
  triples.reserve(log.interaction_count());
  for (uint32_t user = 0; user < log.by_user().size(); ++user) {
    for (const Interaction& in : log.by_user()[user]) {
      const float strength = weights.Of(in.type);
      if (strength > 0) triples.push_back({user, in.item, strength});
    }
  }
  return ImplicitMatrix::FromTriples(static_cast<uint32_t>(log.by_user().size()),
                                     static_cast<uint32_t>(log.items().size()),
                                     std::move(triples));
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("no saved models at " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::Status WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) return absl::InternalError("cannot write " + path.string());
  return absl::OkStatus();
}

}  // namespace

std::vector<std::pair<uint32_t, float>> FoldInInput(std::span<const Interaction> interactions,
                                                    const InteractionWeights& weights) {
  absl::flat_hash_map<uint32_t, float> strength;
  for (const Interaction& in : interactions) {
    if (const float w = weights.Of(in.type); w > 0) strength[in.item] += w;
  }
  std::vector<std::pair<uint32_t, float>> out(strength.begin(), strength.end());
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::shared_ptr<const TrainedModels>> TrainedModels::Train(
    const InteractionLog& log, const TrainingOptions& options, ModelInfo info,
    const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  AISLE_RETURN_IF_ERROR(ValidateSequenceOptions(options.sequence));
  std::shared_ptr<TrainedModels> models(new TrainedModels());
  models->items_ = log.items();

  AISLE_ASSIGN_OR_RETURN(const ImplicitMatrix matrix, MatrixOf(log, options.weights));
  AISLE_ASSIGN_OR_RETURN(models->als_, TrainAls(matrix, options.als, cancel));
  std::vector<float>().swap(models->als_.user_factors);
  models->popularity_.assign(log.items().size(), 0);
  for (const auto& interactions : log.by_user()) {
    for (const Interaction& in : interactions) models->popularity_[in.item] += 1;
  }
  models->RankPopular();

  std::vector<int64_t> ids(log.items().size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(i);
  index::VectorIndexOptions vector_options = options.vectors;
  vector_options.dimension = models->als_.factors;
  AISLE_ASSIGN_OR_RETURN(models->factor_index_,
                         index::VectorIndex::Build(vector_options, ids, models->als_.item_factors));
  if (cancel != nullptr && cancel->load()) return absl::CancelledError("training cancelled");
  models->sequence_ = SequenceModel::Train(log, options.sequence);

  info.users = log.by_user().size();
  info.items = log.items().size();
  info.interactions = log.interaction_count();
  info.training_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  models->info_ = info;
  return models;
}

void TrainedModels::RankPopular() {
  popular_.clear();
  for (uint32_t i = 0; i < popularity_.size(); ++i) {
    if (popularity_[i] > 0) popular_.push_back(i);
  }
  auto more_popular = [&](uint32_t a, uint32_t b) {
    return popularity_[a] != popularity_[b] ? popularity_[a] > popularity_[b] : a < b;
  };
  const size_t keep = std::min(popular_.size(), kPopularKept);
  std::partial_sort(popular_.begin(), popular_.begin() + keep, popular_.end(), more_popular);
  popular_.resize(keep);
}

absl::Status TrainedModels::Save(const std::string& dir) const {
  std::error_code error;
  if (!std::filesystem::create_directories(dir, error) || error) {
    return absl::FailedPreconditionError("cannot create a new model directory " + dir);
  }
  ByteWriter w;
  w.PutU8(kMagic0);
  w.PutU8(kMagic1);
  w.PutU8(kVersion);
  w.PutVarint(info_.generation);
  w.PutSignedVarint(info_.trained_at_ms);
  w.PutVarint(info_.users);
  w.PutVarint(info_.interactions);
  w.PutDouble(info_.training_seconds);
  w.PutVarint(items_.size());
  for (const std::string& id : items_.ids()) w.PutString(id);
  w.PutVarint(als_.factors);
  w.PutDouble(als_.regularization);
  w.PutDouble(als_.alpha);
  w.PutFloats(als_.item_gramian);
  w.PutFloats(popularity_);
  w.PutString(sequence_.Serialize());
  AISLE_RETURN_IF_ERROR(factor_index_->Save((std::filesystem::path(dir) / kFactorsFile).string()));
  return WriteFile(std::filesystem::path(dir) / kModelsFile, w.data());
}

absl::StatusOr<std::shared_ptr<const TrainedModels>> TrainedModels::Load(const std::string& dir) {
  AISLE_ASSIGN_OR_RETURN(const std::string bytes,
                         ReadFile(std::filesystem::path(dir) / kModelsFile));
  const absl::Status corrupt = absl::DataLossError("corrupt model file in " + dir);
  std::shared_ptr<TrainedModels> models(new TrainedModels());
  ByteReader r(bytes);
  uint8_t m0 = 0, m1 = 0, version = 0;
  uint64_t items = 0, factors = 0;
  double regularization = 0, alpha = 0;
  ModelInfo& info = models->info_;
  if (!r.GetU8(&m0) || !r.GetU8(&m1) || !r.GetU8(&version) || m0 != kMagic0 || m1 != kMagic1 ||
      version != kVersion || !r.GetVarint(&info.generation) ||
      !r.GetSignedVarint(&info.trained_at_ms) || !r.GetVarint(&info.users) ||
      !r.GetVarint(&info.interactions) || !r.GetDouble(&info.training_seconds) ||
      !r.GetVarint(&items) || items > r.remaining()) {
    return corrupt;
  }
  for (uint64_t i = 0; i < items; ++i) {
    std::string id;
    if (!r.GetString(&id) || models->items_.Intern(id) != i) return corrupt;
  }
  if (!r.GetVarint(&factors) || factors < 1 || factors > 1024 || !r.GetDouble(&regularization) ||
      !r.GetDouble(&alpha)) {
    return corrupt;
  }
  AlsModel& als = models->als_;
  als.factors = static_cast<int>(factors);
  als.items = static_cast<uint32_t>(items);
  als.regularization = static_cast<float>(regularization);
  als.alpha = static_cast<float>(alpha);
  als.item_gramian.resize(factors * factors);
  models->popularity_.resize(items);
  std::string sequence;
  if (!r.GetFloats(als.item_gramian) || !r.GetFloats(models->popularity_) ||
      !r.GetString(&sequence) || !r.AtEnd()) {
    return corrupt;
  }
  AISLE_ASSIGN_OR_RETURN(models->sequence_, SequenceModel::Deserialize(sequence));
  AISLE_ASSIGN_OR_RETURN(models->factor_index_,
                         index::VectorIndex::Load((std::filesystem::path(dir) / kFactorsFile).string()));
  if (models->factor_index_->dimension() != als.factors ||
      models->factor_index_->size() != items || models->sequence_.items() != items) {
    return corrupt;
  }
  als.item_factors.resize(items * factors);
  for (uint64_t i = 0; i < items; ++i) {
    auto vector = models->factor_index_->Vector(static_cast<int64_t>(i));
    if (!vector || vector->size() != factors) return corrupt;
    std::copy(vector->begin(), vector->end(), als.item_factors.begin() + i * factors);
  }
  info.items = items;
  models->RankPopular();
  return models;
}

}  // namespace aisle::ranking
