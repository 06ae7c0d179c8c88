#pragma once
// The model file (docs/model-format.md): HDF5, self-describing. Root attributes name the format
// and version and hold the resolved configuration JSON; every layer with parameters has a group
// /layers/<name> with its arrays in the shapes of DESIGN.md section 2; /calibration holds the
// ranges seen on training data. Checkpoints add /optimizer and the training position.
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/network.h"
#include "train/optimizer.h"

namespace bcnn {

inline constexpr const char* model_format_name = "bcnn-model";
inline constexpr int model_format_version = 1;

struct LayerRange {
  double input_min = 0, input_max = 0, output_min = 0, output_max = 0;
};

struct Calibration {
  std::int64_t images = 0;
  std::map<std::string, LayerRange> layers;  // by layer name
};

// Where a run stands; stored in checkpoints so that a resumed run continues exactly.
struct TrainState {
  std::int64_t step = 0;        // optimizer steps done
  int epoch = 0;                // epoch in progress (0-based)
  int batch_in_epoch = 0;       // batches of that epoch done
  double epoch_loss_sum = 0;    // running sums of the epoch in progress
  std::int64_t epoch_correct = 0;
  std::int64_t epoch_seen = 0;
  double best_validation_accuracy = -1;
  int best_epoch = -1;

  nlohmann::json to_json() const;
  static TrainState from_json(const nlohmann::json& j);
};

struct ModelContent {
  const Network* network = nullptr;
  nlohmann::json config;               // network description + resolved "train" object
  nlohmann::json training;             // summary of the run so far (null when none)
  const Calibration* calibration = nullptr;
  Optimizer* optimizer = nullptr;      // checkpoints only
  const TrainState* state = nullptr;   // checkpoints only
};

// Writes atomically and durably (the file is built in memory, then written to a temporary file beside
// `path`, fsynced and renamed; h5::write_atomically): on failure `path` is unchanged.
void save_model(const std::string& path, const ModelContent& content);

struct LoadedModel {
  std::unique_ptr<Network> network;
  nlohmann::json config;
  nlohmann::json training;
  Calibration calibration;
  bool is_checkpoint = false;
  TrainState state;                                        // checkpoints only
  std::string optimizer_type;                              // checkpoints only
  std::map<std::string, std::vector<float>> optimizer_state;  // checkpoints only
};

// Reads a model or checkpoint; every problem (not HDF5, not a bcnn model, other version, a checksum
// mismatch, missing or misshapen arrays, any type but the exact one, non-finite parameters) is a
// bcnn::Error naming the file and the object.
LoadedModel load_model(const std::string& path);

}  // namespace bcnn
