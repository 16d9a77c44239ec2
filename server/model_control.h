// What the routes may ask of the recommendation model lifecycle (the
// background training job): its state, and a training now.
#ifndef AISLE_SERVER_MODEL_CONTROL_H_
#define AISLE_SERVER_MODEL_CONTROL_H_

#include <cstdint>
#include <string>

namespace aisle::server {

struct ModelStatus {
  bool training = false;          // A training is running now.
  bool trained = false;           // A model is being served.
  uint64_t generation = 0;        // Of the model served (0: none).
  int64_t trained_at_ms = 0;
  double training_seconds = 0;
  uint64_t users = 0;
  uint64_t items = 0;
  uint64_t interactions = 0;
  uint64_t content_items = 0;     // Products in the content index.
  int64_t next_training_ms = 0;   // When the periodic training runs next.
  std::string last_error;         // Of the last failed training, else empty.
};

// Thread-safe.
class ModelControl {
 public:
  virtual ~ModelControl() = default;
  virtual ModelStatus Status() const = 0;
  // Starts a training in the background unless one is running; returns
  // false when one was already running (the request joins it).
  virtual bool RequestTraining() = 0;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_MODEL_CONTROL_H_
