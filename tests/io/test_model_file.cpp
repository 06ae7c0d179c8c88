// The model file round trip: what save_model writes, load_model reads back bit for bit.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <limits>

#include "cli.h"
#include "core/error.h"
#include "io/hdf5.h"
#include "io/model_file.h"
#include "io/model_upgrade.h"
#include "net/network.h"
#include "train/optimizer.h"

namespace {

using bcnn::testing::error_message;
using bcnn::testing::TempDir;

namespace fs = std::filesystem;
using nlohmann::json;

json network_json() {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {1, 6, 5}},
          {"layers",
           {{{"type", "flatten"}},
            {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 13}, {"block", 4}, {"init", "glorot"}},
            {{"type", "relu"}},
            {{"type", "dropout"}, {"rate", 0.3}},
            {{"type", "dense"}, {"name", "out"}, {"units", 3}}}}};
}

std::unique_ptr<bcnn::Network> initialized_network(std::uint64_t seed) {
  auto net = bcnn::Network::build(network_json(), "round-trip.json");
  net->init_params(seed);
  // Non-zero biases, and values whose bits matter (subnormal, negative zero).
  for (std::size_t i = 0; i < net->params().size(); i += 7) net->params()[i] += 0.001f * static_cast<float>(i % 13);
  net->params()[1] = -0.0f;
  net->params()[2] = 1e-42f;
  return net;
}

void check_bit_identical(std::span<const float> a, std::span<const float> b) {
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace

TEST_CASE("model file: save and load round-trip parameters bit for bit, with the description") {
  TempDir tmp("model-file");
  auto net = initialized_network(11);
  const json config = [&] {
    json c = net->description();
    c["description"] = "round trip";
    c["train"] = {{"epochs", 3}};
    return c;
  }();
  const json training = {{"epochs_done", 2}, {"history", json::array({{{"epoch", 1}}})}};
  const std::string path = tmp.file("model.h5");
  bcnn::save_model(path, {net.get(), config, training});

  bcnn::LoadedModel m = bcnn::load_model(path);
  CHECK_FALSE(m.is_checkpoint);
  check_bit_identical(m.network->params(), net->params());
  CHECK(m.network->description() == net->description());
  CHECK(m.config == config);
  CHECK(m.training == training);
  CHECK(m.calibration.images == 0);
  CHECK(m.calibration.layers.empty());
  CHECK(m.network->layer_table() == net->layer_table());
  // Unnamed layers get stable names from their type and position.
  CHECK(m.network->layers()[0]->name() == "flatten0");
  CHECK(m.network->layers()[3]->name() == "dropout3");

  // The file is self-describing: the layer group holds the (p, q, k) weight.
  bcnn::h5::File f = bcnn::h5::File::open(path);
  CHECK(f.read_attr_string("/", "format") == "bcnn-model");
  CHECK(f.read_attr_int("/", "version") == 1);
  CHECK(f.dataset_shape("/layers/fc1/weight") == std::vector<std::uint64_t>{4, 8, 4});
  CHECK(f.dataset_shape("/layers/fc1/bias") == std::vector<std::uint64_t>{13});
  CHECK(f.dataset_shape("/layers/out/weight") == std::vector<std::uint64_t>{3, 13});
  CHECK_FALSE(f.exists("/layers/relu2"));

  // Saving the loaded model again gives the same parameters again (and no temporary files).
  bcnn::save_model(tmp.file("again.h5"), {m.network.get(), m.config, m.training});
  check_bit_identical(bcnn::load_model(tmp.file("again.h5")).network->params(), net->params());
  for (const auto& entry : fs::directory_iterator(tmp.path()))
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path());
}

TEST_CASE("model file: calibration ranges round-trip exactly") {
  TempDir tmp("model-calibration");
  auto net = initialized_network(12);
  bcnn::Calibration cal;
  cal.images = 1234;
  cal.layers["fc1"] = {-0.1, 1.0 / 3.0, -2.5e-7, 17.25};
  cal.layers["out"] = {0.0, 6.0, -12.125, 9.0e10};
  const std::string path = tmp.file("model.h5");
  bcnn::save_model(path, {net.get(), net->description(), json(), &cal});
  bcnn::LoadedModel m = bcnn::load_model(path);
  CHECK(m.calibration.images == 1234);
  REQUIRE(m.calibration.layers.size() == 2);
  for (const auto& [name, r] : cal.layers) {
    CAPTURE(name);
    REQUIRE(m.calibration.layers.count(name) == 1);
    const auto& got = m.calibration.layers.at(name);
    CHECK(got.input_min == r.input_min);
    CHECK(got.input_max == r.input_max);
    CHECK(got.output_min == r.output_min);
    CHECK(got.output_max == r.output_max);
  }
}

TEST_CASE("model file: a checkpoint round-trips optimizer state and the training position") {
  TempDir tmp("model-checkpoint");
  auto net = initialized_network(13);
  bcnn::OptimizerSpec spec;
  spec.type = "adam";
  bcnn::Optimizer optimizer(spec, net->params().size(), net->param_ranges());
  // Two steps with made-up gradients give non-trivial moments.
  std::vector<float> grads(net->params().size());
  for (std::size_t i = 0; i < grads.size(); ++i) grads[i] = 0.01f * static_cast<float>(static_cast<int>(i % 17) - 8);
  optimizer.step(net->params(), grads, 1e-3);
  optimizer.step(net->params(), grads, 1e-3);
  bcnn::TrainState state;
  state.step = 2;
  state.epoch = 1;
  state.batch_in_epoch = 2;
  state.epoch_loss_sum = 3.0 / 7.0;
  state.epoch_correct = 5;
  state.epoch_seen = 64;
  state.best_validation_accuracy = 0.4375;
  state.best_epoch = 1;
  const std::string path = tmp.file("checkpoint.h5");
  bcnn::save_model(path, {net.get(), net->description(), json::object(), nullptr, &optimizer, &state});

  bcnn::LoadedModel m = bcnn::load_model(path);
  REQUIRE(m.is_checkpoint);
  check_bit_identical(m.network->params(), net->params());
  CHECK(m.optimizer_type == "adam");
  CHECK(m.state.to_json() == state.to_json());
  CHECK(m.state.epoch_loss_sum == state.epoch_loss_sum);
  auto buffers = optimizer.state();
  REQUIRE(m.optimizer_state.size() == buffers.size());
  for (auto& [name, buffer] : buffers) {
    CAPTURE(name);
    REQUIRE(m.optimizer_state.count(name) == 1);
    check_bit_identical(m.optimizer_state.at(name), std::span<const float>(buffer->data(), buffer->size()));
  }

  // bcnn-upgrade's conversion (io/model_upgrade.h) copies every part of a checkpoint.
  const auto result = bcnn::upgrade_model_file(path, tmp.file("copy.h5"), 60);
  CHECK(result.is_checkpoint);
  bcnn::LoadedModel copy = bcnn::load_model(tmp.file("copy.h5"));
  check_bit_identical(copy.network->params(), net->params());
  CHECK(copy.optimizer_type == "adam");
  CHECK(copy.state.to_json() == state.to_json());
  CHECK(copy.optimizer_state == m.optimizer_state);
  CHECK(copy.config == m.config);
}

TEST_CASE("model file: a failed save leaves neither the target nor a temporary file") {
  TempDir tmp("model-failed-save");
  auto net = initialized_network(14);
  const std::string path = tmp.file("no-such-dir/model.h5");
  std::string message = error_message([&] { bcnn::save_model(path, {net.get(), net->description(), json()}); });
  CHECK(message.find("no-such-dir") != std::string::npos);
  CHECK(bcnn::testing::list_tree(tmp.str()).empty());
}

TEST_CASE("model file: load errors name the file and the object") {
  TempDir tmp("model-load-errors");
  auto net = initialized_network(15);
  const std::string path = tmp.file("model.h5");
  bcnn::save_model(path, {net.get(), net->description(), json()});

  SUBCASE("a weight of the wrong shape") {
    // The stored configuration says 13 units; the arrays were written for 13 units; claim 12.
    json config = net->description();
    config["layers"][1]["units"] = 12;
    bcnn::h5::File f = bcnn::h5::File::create(tmp.file("shape.h5"));
    f.write_attr("/", "format", std::string(bcnn::model_format_name));
    f.write_attr("/", "version", static_cast<std::int64_t>(bcnn::model_format_version));
    f.write_attr("/", "kind", std::string("model"));
    f.write_attr("/", "config", config.dump());
    f.write_attr("/", "training", std::string("null"));
    f.create_group("/layers");
    f.create_group("/layers/fc1");
    std::vector<float> w(4 * 8 * 4);
    f.write_floats("/layers/fc1/weight", w.data(), {4, 8, 4});
    f.close();
    std::string message = error_message([&] { bcnn::load_model(tmp.file("shape.h5")); });
    CHECK(message.find("shape.h5") != std::string::npos);
    CHECK(message.find("/layers/fc1/weight") != std::string::npos);
    CHECK(message.find("expected shape (3, 8, 4)") != std::string::npos);
    CHECK(message.find("found (4, 8, 4)") != std::string::npos);
  }
  SUBCASE("a stored configuration that is not JSON") {
    bcnn::h5::File f = bcnn::h5::File::create(tmp.file("json.h5"));
    f.write_attr("/", "format", std::string(bcnn::model_format_name));
    f.write_attr("/", "version", static_cast<std::int64_t>(bcnn::model_format_version));
    f.write_attr("/", "kind", std::string("model"));
    f.write_attr("/", "config", std::string("{\"format\": "));
    f.close();
    std::string message = error_message([&] { bcnn::load_model(tmp.file("json.h5")); });
    CHECK(message.find("json.h5") != std::string::npos);
    CHECK(message.find("\"config\"") != std::string::npos);
  }
  SUBCASE("a stored configuration that is not a valid network") {
    json config = net->description();
    config["layers"][1]["block"] = 0;
    bcnn::h5::File f = bcnn::h5::File::create(tmp.file("net.h5"));
    f.write_attr("/", "format", std::string(bcnn::model_format_name));
    f.write_attr("/", "version", static_cast<std::int64_t>(bcnn::model_format_version));
    f.write_attr("/", "kind", std::string("model"));
    f.write_attr("/", "config", config.dump());
    f.write_attr("/", "training", std::string("null"));
    f.close();
    std::string message = error_message([&] { bcnn::load_model(tmp.file("net.h5")); });
    CHECK(message.find("net.h5 (stored configuration): /layers/1/block") != std::string::npos);
  }
  SUBCASE("a parameter that is not a number") {
    // Checksums catch damage to the file; a NaN or infinity written by some other tool is refused too:
    // training never saves one (it stops on a non-finite loss).
    auto bad = initialized_network(16);
    bad->params()[bad->params().size() - 1] = std::numeric_limits<float>::quiet_NaN();
    bcnn::save_model(tmp.file("nan.h5"), {bad.get(), bad->description(), json()});
    std::string message = error_message([&] { bcnn::load_model(tmp.file("nan.h5")); });
    CHECK(message.find("nan.h5") != std::string::npos);
    CHECK(message.find("/layers/out/bias") != std::string::npos);
  }
  SUBCASE("a truncated file") {
    fs::copy_file(path, tmp.file("half.h5"));
    fs::resize_file(tmp.file("half.h5"), fs::file_size(path) / 2);
    std::string message = error_message([&] { bcnn::load_model(tmp.file("half.h5")); });
    CHECK(message.find("half.h5") != std::string::npos);
  }
}
