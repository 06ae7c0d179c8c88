// Integrity of model files: a single damaged byte anywhere in a model (superblock, object headers,
// attributes and the stored configuration, array data, the tail) either leaves the outputs exactly
// as they were or is refused with a bcnn::Error; never a crash, never other outputs.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "cli.h"
#include "core/error.h"
#include "core/tensor.h"
#include "io/model_file.h"
#include "net/network.h"

namespace {

using bcnn::testing::read_text;
using bcnn::testing::TempDir;
using bcnn::testing::write_text;
using nlohmann::json;

json corruption_network() {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {1, 8, 8}},
          {"layers",
           {{{"type", "flatten"}},
            {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 48}, {"block", 8}},
            {{"type", "batchnorm"}, {"name", "bn1"}},
            {{"type", "relu"}},
            {{"type", "dense"}, {"name", "out"}, {"units", 10}}}}};
}

bcnn::Tensor probe_images() {
  bcnn::Tensor images(6, {1, 8, 8});
  for (std::size_t i = 0; i < images.size(); ++i) images[i] = static_cast<float>((i * 37) % 101) / 101.0f;
  return images;
}

std::vector<float> logits_of(bcnn::Network& net) {
  const bcnn::Tensor& out = net.forward(probe_images(), bcnn::ForwardContext{});
  return std::vector<float>(out.data(), out.data() + out.size());
}

}  // namespace

TEST_CASE("model file: a damaged byte anywhere gives the same logits or a bcnn::Error, never other logits") {
  TempDir tmp("model-corruption");
  auto net = bcnn::Network::build(corruption_network(), "corruption.json");
  net->init_params(21);
  // Non-trivial batchnorm statistics, so that every array matters to the logits.
  for (std::size_t i = 0; i < net->params().size(); ++i) net->params()[i] += 0.01f * static_cast<float>(i % 7);
  bcnn::Calibration calibration;
  calibration.images = 100;
  // More than 8 calibration groups: /calibration keeps its links in HDF5's dense storage (fractal
  // heap and B-tree), which must be checksummed too.
  for (int i = 0; i < 12; ++i)
    calibration.layers["layer" + std::to_string(i)] = {-1.0 * i, 1.0 * i, -2.0 * i, 2.0 + i};
  calibration.layers["fc1"] = {-1.0, 1.0, -2.0, 2.0};
  json config = net->description();
  config["train"] = {{"dataset", "mnist"}, {"normalize", {{"mean", {0.25}}, {"std", {0.5}}}}};
  const std::string original = tmp.file("model.h5");
  bcnn::save_model(original, {net.get(), config, json{{"epochs_done", 3}}, &calibration});
  const std::vector<float> expected = logits_of(*bcnn::load_model(original).network);
  const std::string bytes = read_text(original);
  REQUIRE(bytes.size() > 1000);

  // Deterministic positions: every byte of the superblock, then ~250 spread evenly over the rest,
  // and the last bytes of the file.
  std::vector<std::size_t> positions;
  for (std::size_t p = 0; p < 48; ++p) positions.push_back(p);
  const std::size_t spread = 248;
  for (std::size_t i = 0; i < spread; ++i) positions.push_back(48 + (bytes.size() - 48) * i / spread);
  for (std::size_t p = bytes.size() - 4; p < bytes.size(); ++p) positions.push_back(p);

  int same = 0, refused = 0;
  const std::string damaged_path = tmp.file("damaged.h5");
  for (std::size_t i = 0; i < positions.size(); ++i) {
    const std::size_t at = positions[i];
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ static_cast<char>(1 + i % 255));
    write_text(damaged_path, damaged);
    CAPTURE(at);
    try {
      bcnn::LoadedModel m = bcnn::load_model(damaged_path);
      const std::vector<float> logits = logits_of(*m.network);
      const bool identical = logits.size() == expected.size() &&
                             std::memcmp(logits.data(), expected.data(), logits.size() * sizeof(float)) == 0;
      CHECK_MESSAGE(identical, "a damaged byte changed the logits silently");
      CHECK(m.config == config);
      REQUIRE(m.calibration.layers.size() == calibration.layers.size());
      for (const auto& [name, r] : calibration.layers) {
        const bcnn::LayerRange& got = m.calibration.layers.at(name);
        CHECK((got.input_min == r.input_min && got.input_max == r.input_max && got.output_min == r.output_min &&
               got.output_max == r.output_max));
      }
      CHECK(m.calibration.images == calibration.images);
      ++same;
    } catch (const bcnn::Error& e) {
      CHECK(std::string(e.what()).find(damaged_path) != std::string::npos);
      ++refused;
    } catch (const std::exception& e) {
      FAIL_CHECK("not a bcnn::Error: " << e.what());
    }
  }
  MESSAGE(positions.size() << " damaged bytes: " << same << " same logits, " << refused << " refused");
  CHECK(same + refused == static_cast<int>(positions.size()));
  CHECK(refused > static_cast<int>(positions.size()) / 2);
}
