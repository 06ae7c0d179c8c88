#include "io/model_file.h"

#include <cmath>

#include "core/error.h"
#include "io/hdf5.h"
#include "net/json_reader.h"

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
  TrainState s;
  s.step = j.at("step").get<std::int64_t>();
  s.epoch = j.at("epoch").get<int>();
  s.batch_in_epoch = j.at("batch_in_epoch").get<int>();
  s.epoch_loss_sum = j.at("epoch_loss_sum").get<double>();
  s.epoch_correct = j.at("epoch_correct").get<std::int64_t>();
  s.epoch_seen = j.at("epoch_seen").get<std::int64_t>();
  s.best_validation_accuracy = j.at("best_validation_accuracy").get<double>();
  s.best_epoch = j.at("best_epoch").get<int>();
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
  m.network = Network::build(m.config, path + " (stored configuration)");
  for (const auto& layer : m.network->layers()) {
    auto specs = layer->param_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const std::string object = "/layers/" + layer->name() + "/" + specs[i].name;
      auto values = f.read_floats(object, dims_of(specs[i].shape));
      for (std::size_t v = 0; v < values.size(); ++v)
        if (!std::isfinite(values[v]))
          throw Error(path + ": " + object + ": expected finite values, found " + std::to_string(values[v]) +
                      " at index " + std::to_string(v));
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
    }
    m.optimizer_type = f.read_attr_string("/optimizer", "type");
    const auto size = static_cast<std::uint64_t>(m.network->param_count());
    for (const auto& name : f.list("/optimizer")) m.optimizer_state[name] = f.read_floats("/optimizer/" + name, {size});
    m.state.step = f.read_attr_int("/optimizer", "steps");
  }
  return m;
}

}  // namespace bcnn
