#pragma once
// A training configuration: the network description plus its "train" object, read from a JSON
// file, with command-line overrides applied, validated and resolved (defaults filled in).
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

#include "net/network.h"
#include "train/optimizer.h"
#include "train/schedule.h"

namespace bcnn {

struct TrainSpec {
  std::string dataset = "mnist";
  std::string data_dir = "datasets/mnist";
  int validation = 5000;
  int epochs = 10;
  int batch = 128;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: every core
  int calibration_images = 10000;
  OptimizerSpec optimizer;
  ScheduleSpec schedule;

  static TrainSpec from_json(JsonObject& object);
  nlohmann::json to_json() const;
};

// Command-line settings that take precedence over the file's "train" object.
struct TrainOverrides {
  std::optional<std::string> data_dir;
  std::optional<int> epochs, batch, threads, validation;
  std::optional<std::uint64_t> seed;
  std::optional<double> lr;
};

struct TrainConfig {
  std::string origin;  // the file it came from
  std::unique_ptr<Network> network;
  TrainSpec train;
  nlohmann::json resolved;  // network description + "train", every default filled in
};

// Reads and parses a JSON file; errors name the file and the line and column of a syntax error.
nlohmann::json read_json_file(const std::string& path);

TrainConfig load_train_config(const std::string& path, const TrainOverrides& overrides = {});
TrainConfig make_train_config(const nlohmann::json& config, const std::string& origin,
                              const TrainOverrides& overrides = {});

}  // namespace bcnn
