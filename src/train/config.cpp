#include "train/config.h"

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/threads.h"
#include "data/dataset.h"
#include "dist/launcher.h"
#include "net/json_reader.h"
#include "train/memory_estimate.h"

namespace bcnn {

TrainSpec TrainSpec::from_json(JsonObject& o, const Shape& input) {
  TrainSpec s;
  s.dataset = o.get_string("dataset", s.dataset, dataset_names());
  s.data_dir = o.get_string("data", default_data_dir(s.dataset));
  s.validation = static_cast<int>(o.get_int("validation", s.validation, 0, 1 << 30));
  s.epochs = static_cast<int>(o.get_int("epochs", s.epochs, 1, 100000));
  s.batch = static_cast<int>(o.get_int("batch", s.batch, 1, 65536));
  s.drop_last = o.get_bool("drop_last", s.drop_last);
  s.seed = static_cast<std::uint64_t>(o.get_int("seed", 1, 0, max_seed));
  s.threads = static_cast<int>(o.get_int("threads", 0, 0, 1024));
  s.shards = static_cast<int>(o.get_int("shards", 1, 1, 1024));
  s.calibration_images = static_cast<int>(o.get_int("calibration_images", s.calibration_images, 1, 1 << 30));
  if (o.has("normalize")) {
    JsonObject normalize = o.get_object("normalize");
    s.normalize = Normalization::from_json(normalize, input.empty() ? 1 : input[0]);
  }
  if (o.has("augment")) {
    JsonObject augment = o.get_object("augment");
    s.augment = AugmentSpec::from_json(augment, input);
  }
  if (o.has("optimizer")) {
    JsonObject opt = o.get_object("optimizer");
    s.optimizer = OptimizerSpec::from_json(opt);
  }
  if (o.has("schedule")) {
    JsonObject sched = o.get_object("schedule");
    s.schedule = ScheduleSpec::from_json(sched);
  }
  if (o.has("distill")) {
    JsonObject distill = o.get_object("distill");
    s.distill = DistillSpec::from_json(distill);
  }
  o.reject_unknown_keys({"optimizer", "schedule", "normalize", "augment", "distill"});
  return s;
}

nlohmann::json TrainSpec::to_json() const {
  nlohmann::json j = {{"dataset", dataset},     {"data", data_dir},
                      {"validation", validation}, {"epochs", epochs},
                      {"batch", batch},         {"drop_last", drop_last}, {"seed", seed},
                      {"threads", threads},     {"calibration_images", calibration_images},
                      {"augment", augment.to_json()}, {"optimizer", optimizer.to_json()},
                      {"schedule", schedule.to_json()}};
  // Absent means none: models trained before the key existed read the same way.
  if (normalize.enabled()) j["normalize"] = normalize.to_json();
  if (distill) j["distill"] = distill->to_json();
  if (shards > 1) j["shards"] = shards;
  return j;
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), path);
}

TrainConfig make_train_config(const nlohmann::json& config, const std::string& origin, const TrainOverrides& o) {
  TrainConfig c;
  c.origin = origin;
  // The arenas are allocated only once the whole run is known to fit in memory.
  c.network = Network::build_layers(config, origin);
  nlohmann::json train = config.contains("train") ? config.at("train") : nlohmann::json::object();
  {
    JsonObject object(train, origin, "/train");
    c.train = TrainSpec::from_json(object, c.network->input_shape());
  }
  if (o.data_dir) c.train.data_dir = *o.data_dir;
  if (o.epochs) c.train.epochs = *o.epochs;
  if (o.batch) c.train.batch = *o.batch;
  if (o.threads) c.train.threads = *o.threads;
  if (o.validation) c.train.validation = *o.validation;
  if (o.seed) {
    if (*o.seed < 0 || *o.seed > max_seed)
      throw Error("--seed: expected an integer in [0, " + std::to_string(max_seed) + "], found " +
                  std::to_string(*o.seed));
    c.train.seed = static_cast<std::uint64_t>(*o.seed);
  }
  if (o.lr) c.train.optimizer.lr = *o.lr;
  if (c.train.shards > c.train.batch)
    throw Error(origin + ": /train/shards: expected at most the batch (" + std::to_string(c.train.batch) +
                "): every shard needs at least one image, found " + std::to_string(c.train.shards));
  // 0: the cores this process may use; under mpirun, the cores of this machine shared by its ranks.
  if (c.train.threads == 0) c.train.threads = default_threads(local_ranks());
  require_training_memory(*c.network, c.train, origin);
  c.network->allocate();
  c.resolved = c.network->description();
  if (config.contains("description")) c.resolved["description"] = config.at("description");
  c.resolved["train"] = c.train.to_json();
  return c;
}

StoredData stored_train_data(const nlohmann::json& config, const std::string& origin) {
  StoredData d;
  if (!config.is_object() || !config.contains("train")) {
    d.dataset = "mnist";
    d.data_dir = default_data_dir(d.dataset);
    return d;
  }
  JsonObject train(config.at("train"), origin, "/train");
  d.dataset = train.get_string("dataset", std::string("mnist"), dataset_names());
  d.data_dir = train.get_string("data", default_data_dir(d.dataset));
  return d;
}

TrainConfig load_train_config(const std::string& path, const TrainOverrides& overrides) {
  return make_train_config(read_json_file(path), path, overrides);
}

}  // namespace bcnn
