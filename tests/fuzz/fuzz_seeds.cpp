// Writes the seed corpora of the fuzz harnesses: small valid inputs of every kind, made with the
// library's own writers, so that the fuzzer starts from files the tools accept.
// Usage: fuzz_seeds DIR   (creates DIR/idx, DIR/cifar, DIR/model_file; scripts/run_fuzzers.sh adds
// configs/*.json to DIR/network_json)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/cifar.h"
#include "data/idx.h"
#include "io/model_file.h"
#include "net/network.h"
#include "train/optimizer.h"

namespace {

namespace fs = std::filesystem;

bcnn::IdxArray pattern(std::vector<std::uint32_t> dims, int modulo) {
  bcnn::IdxArray a;
  a.dims = std::move(dims);
  std::size_t n = 1;
  for (std::uint32_t d : a.dims) n *= d;
  for (std::size_t i = 0; i < n; ++i) a.data.push_back(static_cast<std::uint8_t>((i * 37 + 11) % modulo));
  return a;
}

void write_idx_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  bcnn::write_idx((dir / "images-2.idx").string(), pattern({2, 28, 28}, 256));
  bcnn::write_idx((dir / "images-2.idx.gz").string(), pattern({2, 28, 28}, 256), true);
  bcnn::write_idx((dir / "images-1x2x3.idx").string(), pattern({1, 2, 3}, 256));
  bcnn::write_idx((dir / "labels-5.idx").string(), pattern({5}, 10));
  bcnn::write_idx((dir / "labels-3.idx.gz").string(), pattern({3}, 10), true);
}

void write_cifar_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const std::size_t image = bcnn::cifar_record_bytes - 1;
  std::vector<std::uint8_t> pixels(2 * image);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  bcnn::write_cifar_batch((dir / "two-records.bin").string(), {3, 9}, pixels);
  pixels.resize(image);
  bcnn::write_cifar_batch((dir / "one-record.bin").string(), {0}, pixels);
}

// A network small enough for a file of a few KB, with every kind of stored object: dense and
// block-circulant weights, batchnorm statistics, calibration ranges; and a checkpoint of it.
void write_model_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const nlohmann::json description = {
      {"format", "bcnn-network"},
      {"version", 1},
      {"input", {1, 4, 4}},
      {"layers",
       {{{"type", "bc_conv2d"}, {"name", "conv"}, {"filters", 4}, {"kernel", 3}, {"padding", "same"}, {"block", 2}},
        {{"type", "batchnorm"}, {"name", "bn"}},
        {{"type", "relu"}},
        {{"type", "maxpool2d"}, {"size", 2}},
        {{"type", "flatten"}},
        {{"type", "bc_dense"}, {"name", "fc"}, {"units", 6}, {"block", 4}},
        {{"type", "dense"}, {"name", "out"}, {"units", 3}}}}};
  auto network = bcnn::Network::build(description, "seed");
  network->init_params(1);
  nlohmann::json config = network->description();
  bcnn::Calibration calibration;
  calibration.images = 10;
  calibration.layers["conv"] = {0.0, 1.0, -2.0, 2.0};
  calibration.layers["out"] = {-1.0, 1.0, -3.0, 3.0};
  bcnn::save_model((dir / "model.h5").string(), {network.get(), config, nullptr, &calibration});

  bcnn::Optimizer optimizer(bcnn::OptimizerSpec{}, network->params().size(), network->param_ranges());
  bcnn::TrainState state;
  state.step = 3;
  state.batch_in_epoch = 1;
  bcnn::save_model((dir / "checkpoint.h5").string(),
                   {network.get(), config, {{"epochs_done", 0}}, &calibration, &optimizer, &state});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds DIR\n");
    return 2;
  }
  try {
    const fs::path dir = argv[1];
    write_idx_seeds(dir / "idx");
    write_cifar_seeds(dir / "cifar");
    write_model_seeds(dir / "model_file");
  } catch (const bcnn::Error& e) {
    std::fprintf(stderr, "fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
