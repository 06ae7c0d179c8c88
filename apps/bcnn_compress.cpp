// bcnn-compress: a trained dense model made block-circulant, the starting point of a fine-tuning
// (bcnn-train CONFIG --init OUT.h5). See docs/compress.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "compress/compress.h"
#include "compress/statistics_matching.h"
#include "core/error.h"
#include "core/threads.h"
#include "core/tool_main.h"
#include "core/version.h"
#include "eval/evaluate.h"
#include "eval/model_data.h"
#include "io/model_file.h"
#include "train/config.h"

namespace {

// "fc1=16" -> {"fc1", 16}; "fc1=0" keeps fc1 dense.
std::pair<std::string, int> parse_layer_block(const std::string& text) {
  const auto equals = text.rfind('=');
  const std::string expected = "expected NAME=BLOCK (a layer name and a block size, 0 to keep the layer dense)";
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
    throw bcnn::Error("--layer " + text + ": " + expected + ", found no NAME=BLOCK");
  const std::string number = text.substr(equals + 1);
  if (number.size() > 6 || !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw bcnn::Error("--layer " + text + ": " + expected + ", found block \"" + number + "\"");
  return {text.substr(0, equals), std::stoi(number)};
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return std::filesystem::exists(b, ec) && std::filesystem::equivalent(a, b, ec);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Make a trained dense model block-circulant: each dense and conv2d layer becomes bc_dense or "
               "bc_conv2d with the nearest block-circulant weight",
               "bcnn-compress"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::string model_path, out_path;
  bcnn::CompressOptions options;
  std::vector<std::string> layer_blocks;
  std::optional<std::string> data_dir;
  bool evaluate_models = true;
  int threads = 0, batch = 256;
  app.add_option("model", model_path, "Trained model (best.h5, last.h5, or bcnn-import's output)")->required();
  app.add_option("--block", options.block,
                 "Block size for every dense and conv2d layer with at least this many inputs and outputs")
      ->check(CLI::Range(1, 4096));
  app.add_option("--layer", layer_blocks, "NAME=BLOCK: this layer's block size (0 keeps it dense); repeatable");
  bool match_statistics = false;
  int match_images = 2000;
  auto* match = app.add_flag("--match-statistics", match_statistics,
               "After the projection, give each replaced layer one weight scale and per-channel biases so that its "
               "outputs on training images have the dense layer's channel means and spread (needs the data)");
  app.add_option("--match-images", match_images, "Training images --match-statistics measures on")
      ->check(CLI::Range(2, 1 << 30))->capture_default_str();
  app.add_option("-o,--output", out_path, "The block-circulant model to write (HDF5)")->required();
  app.add_option("--data", data_dir, "Dataset directory for the accuracies (default: the model's train.data)");
  app.add_flag("!--no-eval", evaluate_models,
               "Skip the test accuracies and the calibration (the output then has no calibration ranges)")
      ->excludes(match);
  app.add_option("--threads", threads, "Threads (0 = all cores)")->check(CLI::Range(0, 1024));
  app.add_option("--batch", batch, "Batch size of the evaluation")->check(CLI::Range(1, 65536))->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  return bcnn::run_tool_main("bcnn-compress", "try a smaller --batch", [&]() -> int {
    for (const auto& text : layer_blocks) {
      auto [name, block] = parse_layer_block(text);
      if (options.layer_blocks.count(name))
        throw bcnn::Error("--layer " + text + ": expected each layer once, found \"" + name + "\" twice");
      options.layer_blocks[name] = block;
    }
    if (options.block == 0 && options.layer_blocks.empty())
      throw bcnn::Error("expected --block K or --layer NAME=K (the block sizes), found neither");
    if (same_file(model_path, out_path))
      throw bcnn::Error(out_path + ": expected an output other than the input model, found the input itself");
    bcnn::set_threads(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

    bcnn::LoadedModel model = bcnn::load_model(model_path);
    bcnn::CompressedNetwork compressed = bcnn::compress_network(*model.network, model.config, model_path, options);
    std::fprintf(stderr, "%s", bcnn::compression_table(compressed.layers).c_str());
    const std::int64_t before = model.network->total_cost().params, after = compressed.network->total_cost().params;
    std::fprintf(stderr, "parameters: %lld -> %lld (%.2fx fewer)\n", static_cast<long long>(before),
                 static_cast<long long>(after), static_cast<double>(before) / std::max<std::int64_t>(1, after));

    nlohmann::json summary = {{"compressed_from", model_path}, {"parameters_before", before},
                              {"parameters_after", after}, {"source_training", model.training}};
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& row : compressed.layers) {
      nlohmann::json entry = {{"name", row.name}, {"from", row.from_type}, {"to", row.to_type},
                              {"params_before", row.params_before}, {"params_after", row.params_after}};
      if (row.block > 0) {
        entry["block"] = row.block;
        entry["relative_error"] = row.relative_error;
      } else {
        entry["kept_because"] = row.kept_because;
      }
      layers.push_back(entry);
    }
    summary["layers"] = layers;

    bcnn::Calibration calibration;
    if (evaluate_models) {
      bcnn::Dataset test = bcnn::load_model_dataset(model, model_path, data_dir, bcnn::Split::test);
      bcnn::Dataset train = bcnn::load_model_dataset(model, model_path, data_dir, bcnn::Split::train);
      bcnn::EvalResult dense = bcnn::evaluate(*model.network, test, batch);
      bcnn::EvalResult projected = bcnn::evaluate(*compressed.network, test, batch);
      std::fprintf(stderr, "test accuracy: %.2f%% before, %.2f%% after the projection (%d images)\n",
                   100 * dense.accuracy, 100 * projected.accuracy, test.size());
      summary["source_test_accuracy"] = dense.accuracy;
      summary["projection_test_accuracy"] = projected.accuracy;
      if (match_statistics) {
        std::vector<std::string> replaced;
        for (const auto& row : compressed.layers)
          if (row.block > 0) replaced.push_back(row.name);
        const auto matched = bcnn::match_output_statistics(*model.network, *compressed.network, replaced, train,
                                                           match_images, batch);
        nlohmann::json scales = nlohmann::json::object();
        std::string text;
        for (const auto& m : matched) {
          scales[m.name] = m.scale;
          char item[96];
          std::snprintf(item, sizeof item, "%s%s x%.3g", text.empty() ? "" : ", ", m.name.c_str(), m.scale);
          text += item;
        }
        summary["matched_statistics"] = {{"images", std::min(match_images, train.size())}, {"scales", scales}};
        projected = bcnn::evaluate(*compressed.network, test, batch);
        std::fprintf(stderr, "test accuracy: %.2f%% after matching the output statistics on %d training images (%s)\n",
                     100 * projected.accuracy, std::min(match_images, train.size()), text.c_str());
      }
      summary["test_accuracy"] = projected.accuracy;
      summary["test_loss"] = projected.mean_loss;
      // Ranges on training images, as bcnn-train records them: the compressed model can go to
      // bcnn-compile as it is.
      const int images = model.config.at("train").value("calibration_images", 10000);
      calibration = bcnn::calibrate(*compressed.network, train, images, batch);
    }
    bcnn::save_model(out_path, {compressed.network.get(), compressed.config, summary,
                                evaluate_models ? &calibration : nullptr});
    std::fprintf(stderr, "wrote %s; fine-tune it with bcnn-train CONFIG --init %s\n", out_path.c_str(),
                 out_path.c_str());
    return 0;
  });
}
