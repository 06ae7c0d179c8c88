#include "io/model_file.h"

#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "io/hdf5.h"
#include "net/json_reader.h"
#include "train/config.h"

namespace bcnn {
namespace {

std::vector<std::uint64_t> dims_of(const Shape& shape) { return {shape.begin(), shape.end()}; }

nlohmann::json parse_stored_json(const h5::File& file, const std::string& attr) {
  // Nesting depth and duplicate keys are checked as in a config file: a value nested 100,000
  // levels deep would overflow the stack in the first recursive walk over it.
  return parse_json_text(file.read_attr_string("/", attr), file.path() + ": root attribute \"" + attr + "\"");
}

}  // namespace

nlohmann::json TrainState::to_json() const {
  return {{"step", step},
          {"epoch", epoch},
          {"batch_in_epoch", batch_in_epoch},
          {"epoch_loss_sum", epoch_loss_sum},
          {"epoch_correct", epoch_correct},
          {"epoch_seen", epoch_seen},
          {"best_validation_accuracy", best_validation_accuracy},
          {"best_epoch", best_epoch}};
}

TrainState TrainState::from_json(const nlohmann::json& j) {
  // Exact types and ranges of the stored integers: a float or an out-of-range value must not be
  // converted silently (it would become a position outside the data). Ranges against the run are
  // checked when resuming (train/resume_check.h).
  auto integer = [&](const char* key, std::int64_t min, std::int64_t max) -> std::int64_t {
    const auto& v = j.at(key);
    if (!v.is_number_integer())
      throw Error(std::string("train_state/") + key + ": expected an integer, found " + v.dump());
    const auto value = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)
                           ? INT64_MAX
                           : v.get<std::int64_t>();
    if (value < min || value > max)
      throw Error(std::string("train_state/") + key + ": expected an integer in [" + std::to_string(min) + ", " +
                  std::to_string(max) + "], found " + std::to_string(value));
    return value;
  };
  auto number = [&](const char* key) -> double {
    const auto& v = j.at(key);
    if (!v.is_number()) throw Error(std::string("train_state/") + key + ": expected a number, found " + v.dump());
    return v.get<double>();
  };
  constexpr std::int64_t int_max = INT32_MAX;
  TrainState s;
  s.step = integer("step", INT64_MIN, INT64_MAX);
  s.epoch = static_cast<int>(integer("epoch", -int_max, int_max));
  s.batch_in_epoch = static_cast<int>(integer("batch_in_epoch", -int_max, int_max));
  s.epoch_loss_sum = number("epoch_loss_sum");
  s.epoch_correct = integer("epoch_correct", INT64_MIN, INT64_MAX);
  s.epoch_seen = integer("epoch_seen", INT64_MIN, INT64_MAX);
  s.best_validation_accuracy = number("best_validation_accuracy");
  s.best_epoch = static_cast<int>(integer("best_epoch", -int_max, int_max));
  return s;
}

void save_model(const std::string& path, const ModelContent& c) {
  h5::write_atomically(path, [&](h5::File& f) {
    const bool checkpoint = c.optimizer && c.state;
    f.write_attr("/", "format", std::string(model_format_name));
    f.write_attr("/", "version", static_cast<std::int64_t>(model_format_version));
    f.write_attr("/", "kind", std::string(checkpoint ? "checkpoint" : "model"));
    f.write_attr("/", "config", c.config.dump());
    f.write_attr("/", "training", c.training.dump());

    f.create_group("/layers");
    for (const auto& layer : c.network->layers()) {
      auto specs = layer->param_specs();
      if (specs.empty()) continue;
      const std::string group = "/layers/" + layer->name();
      f.create_group(group);
      f.write_attr(group, "type", std::string(layer->type()));
      for (std::size_t i = 0; i < specs.size(); ++i)
        f.write_floats(group + "/" + specs[i].name, layer->param(static_cast<int>(i)).data(), dims_of(specs[i].shape));
    }

    if (c.calibration) {
      f.create_group("/calibration");
      f.write_attr("/calibration", "images", c.calibration->images);
      for (const auto& [name, r] : c.calibration->layers) {
        const std::string group = "/calibration/" + name;
        f.create_group(group);
        f.write_attr(group, "input_min", r.input_min);
        f.write_attr(group, "input_max", r.input_max);
        f.write_attr(group, "output_min", r.output_min);
        f.write_attr(group, "output_max", r.output_max);
      }
    }

    if (checkpoint) {
      f.create_group("/optimizer");
      f.write_attr("/optimizer", "type", c.optimizer->spec().type);
      f.write_attr("/optimizer", "steps", static_cast<std::int64_t>(c.optimizer->steps()));
      for (auto& [name, buffer] : c.optimizer->state())
        f.write_floats("/optimizer/" + name, buffer->data(), {buffer->size()});
      f.write_attr("/", "train_state", c.state->to_json().dump());
    }
  });
}

LoadedModel load_model(const std::string& path) {
  h5::File f = h5::File::open(path);
  if (!f.has_attr("/", "format") || f.read_attr_string("/", "format") != model_format_name)
    throw Error(path + ": expected a bcnn model (root attribute format = \"" + model_format_name +
                "\"), found an HDF5 file without it");
  std::int64_t version = f.read_attr_int("/", "version");
  if (version != model_format_version)
    throw Error(path + ": expected model format version " + std::to_string(model_format_version) + ", found version " +
                std::to_string(version));

  LoadedModel m;
  m.config = parse_stored_json(f, "config");
  m.training = parse_stored_json(f, "training");
  // The stored configuration passes the checks of a configuration file, "train" object included
  // (bcnn-eval and bcnn-compile take the dataset and the normalization from it).
  const std::string origin = path + " (stored configuration)";
  if (m.config.is_object() && m.config.contains("train")) m.network = make_train_config(m.config, origin).network;
  else m.network = Network::build(m.config, origin);
  for (const auto& layer : m.network->layers()) {
    auto specs = layer->param_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const std::string object = "/layers/" + layer->name() + "/" + specs[i].name;
      auto values = f.read_floats(object, dims_of(specs[i].shape));
      for (std::size_t v = 0; v < values.size(); ++v)
        if (!std::isfinite(values[v]))
          throw Error(path + ": " + object + " (layer \"" + layer->name() + "\", array \"" + specs[i].name +
                      "\"): expected finite values, found " + std::to_string(values[v]) + " at index " +
                      std::to_string(v));
      auto dst = layer->param(static_cast<int>(i));
      std::copy(values.begin(), values.end(), dst.begin());
    }
  }

  if (f.exists("/calibration")) {
    m.calibration.images = f.read_attr_int("/calibration", "images");
    for (const auto& name : f.list("/calibration")) {
      const std::string group = "/calibration/" + name;
      m.calibration.layers[name] = {f.read_attr_double(group, "input_min"), f.read_attr_double(group, "input_max"),
                                    f.read_attr_double(group, "output_min"), f.read_attr_double(group, "output_max")};
    }
  }

  m.is_checkpoint = f.read_attr_string("/", "kind") == "checkpoint";
  if (m.is_checkpoint) {
    try {
      m.state = TrainState::from_json(parse_stored_json(f, "train_state"));
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ": root attribute \"train_state\": expected the training position, found " + e.what());
    } catch (const Error& e) {
      throw Error(path + ": " + e.what());
    }
    m.optimizer_type = f.read_attr_string("/optimizer", "type");
    const auto size = static_cast<std::uint64_t>(m.network->param_count());
    for (const auto& name : f.list("/optimizer")) m.optimizer_state[name] = f.read_floats("/optimizer/" + name, {size});
    m.state.step = f.read_attr_int("/optimizer", "steps");
  }
  return m;
}

}  // namespace bcnn
