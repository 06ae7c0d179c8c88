#pragma once
// A training configuration: the network description plus its "train" object, read from a JSON
// file, with command-line overrides applied, validated and resolved (defaults filled in).
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

#include "data/augment.h"
#include "data/normalize.h"
#include "net/network.h"
#include "train/distill.h"
#include "train/optimizer.h"
#include "train/schedule.h"

namespace bcnn {

// Seeds are integers in [0, max_seed], in the config file and on the command line alike: JSON
// numbers are exact only up to 2^53, and a negative seed must not wrap around.
inline constexpr std::int64_t max_seed = std::int64_t{1} << 53;

struct TrainSpec {
  std::string dataset = "mnist";
  std::string data_dir = "datasets/mnist";
  int validation = 5000;
  int epochs = 10;
  int batch = 128;
  bool drop_last = false;  // skip each epoch's last batch when it is partial (PyTorch's DataLoader option)
  std::uint64_t seed = 1;
  int threads = 0;  // 0: the cores this process may use (default_threads)
  // Shards of every batch (data-parallel within one process: the equivalent of as many MPI ranks);
  // each runs on threads / shards threads.
  int shards = 1;
  int calibration_images = 10000;
  Normalization normalize;  // applied to training, validation and test images; stored with the model
  AugmentSpec augment;      // training batches only
  OptimizerSpec optimizer;
  ScheduleSpec schedule;
  std::optional<DistillSpec> distill;  // soft targets of a teacher (bcnn-train --teacher)

  // `input` is the network's sample shape: normalize has one mean and std per channel (input[0]);
  // augment needs (C, H, W). "data" defaults to the dataset's default directory.
  static TrainSpec from_json(JsonObject& object, const Shape& input);
  nlohmann::json to_json() const;
};

// Command-line settings that take precedence over the file's "train" object.
struct TrainOverrides {
  std::optional<std::string> data_dir;
  std::optional<int> epochs, batch, threads, validation;
  std::optional<std::int64_t> seed;  // in [0, max_seed]
  std::optional<double> lr;
};

struct TrainConfig {
  std::string origin;  // the file it came from
  std::unique_ptr<Network> network;
  TrainSpec train;
  nlohmann::json resolved;  // network description + "train", every default filled in
};

// The dataset a stored (resolved) configuration was trained on: its "train" object's "dataset"
// and "data", with errors naming `origin` and the JSON pointer when they have the wrong type.
struct StoredData {
  std::string dataset;
  std::string data_dir;
};
StoredData stored_train_data(const nlohmann::json& config, const std::string& origin);

// Reads and parses a JSON file; errors name the file and the line and column of a syntax error.
nlohmann::json read_json_file(const std::string& path);

TrainConfig load_train_config(const std::string& path, const TrainOverrides& overrides = {});
TrainConfig make_train_config(const nlohmann::json& config, const std::string& origin,
                              const TrainOverrides& overrides = {});

}  // namespace bcnn
