// Every tool ends in an error, never an abort: values of the wrong JSON type in a model file or a
// project report, shapes whose size overflows int, and networks too big for the machine's memory
// each give one message and exit status 1.
#include <doctest/doctest.h>

#include <filesystem>

#include "cli.h"
#include "io/model_file.h"
#include "train/config.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

void check_clean_failure(const ToolResult& r, const std::string& tool, const std::vector<std::string>& parts) {
  INFO(r.command, "\nstderr:\n", r.err);
  CHECK(r.signal == 0);
  CHECK(r.status == 1);
  CHECK(lines_with(r.err, tool + ": error: ").size() == 1);
  for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
}

// A model whose stored configuration is `config` (the network part valid, "train" as given).
std::string save_model_with_config(const std::string& path, const std::string& data_dir, const json& train) {
  bcnn::TrainConfig config = bcnn::make_train_config(tiny_config(data_dir), "tiny.json");
  config.network->init_params(5);
  json stored = config.resolved;
  stored["train"] = train;
  bcnn::save_model(path, {config.network.get(), stored, json::object()});
  return path;
}

}  // namespace

TEST_CASE("bcnn-eval and bcnn-compile: a stored config value of the wrong JSON type is an error and not an abort") {
  TempDir tmp("tool-errors-json");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 20, 20);
  json train = bcnn::make_train_config(tiny_config(data), "tiny.json").resolved["train"];
  train["dataset"] = 5;
  const std::string model = save_model_with_config(tmp.file("typed.h5"), data, train);
  const auto before = list_tree(tmp.str());
  check_clean_failure(run_eval({model, "--latency-samples", "0"}, tmp.str()), "bcnn-eval",
                      {"typed.h5", "/train/dataset", "found number 5"});
  check_clean_failure(run_tool(compile_exe(), {model, "-o", tmp.file("hls")}, tmp.str()), "bcnn-compile",
                      {"typed.h5", "/train/dataset", "found number 5"});
  CHECK(list_tree(tmp.str()) == before);

  train["dataset"] = "mnist";
  train["data"] = json::array({1, 2});
  save_model_with_config(model, data, train);
  check_clean_failure(run_eval({model, "--latency-samples", "0"}, tmp.str()), "bcnn-eval", {"/train/data"});
}

TEST_CASE("bcnn-eval --hls: a damaged report.json is an error naming the file and the pointer") {
  TempDir tmp("tool-errors-report");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 20, 20);
  const std::string model = save_model_with_config(
      tmp.file("model.h5"), data, bcnn::make_train_config(tiny_config(data), "tiny.json").resolved["train"]);
  const std::string project = tmp.file("hls");
  fs::create_directories(project);
  const std::string report = project + "/report.json";
  struct Damage {
    json report;
    std::vector<std::string> parts;
  };
  const std::vector<Damage> damages = {
      {{{"layers", {{{"name", "fc1"}, {"formats", {{"in", 16}}}}}}}, {"/layers/0/formats/in", "found number 16"}},
      {{{"layers", {{{"formats", {{"in", "ap_fixed<16,6>"}}}}}}}, {"/layers/0/name", "found nothing"}},
      {{{"layers", {7}}}, {"/layers/0", "expected a layer object"}},
      {{{"layers", {{{"name", "fc1"}, {"formats", "16"}}}}}, {"/layers/0/formats", "an object of formats"}},
      {json::array({1, 2}), {"/layers", "expected the array of layers"}},
  };
  for (const auto& damage : damages) {
    CAPTURE(damage.report.dump());
    write_json(report, damage.report);
    std::vector<std::string> parts = {report};
    parts.insert(parts.end(), damage.parts.begin(), damage.parts.end());
    check_clean_failure(run_eval({model, "--hls", project, "--latency-samples", "0", "--threads", "1"}, tmp.str()),
                        "bcnn-eval", parts);
  }
}

TEST_CASE("bcnn-train: an input whose size overflows int is refused with the product") {
  TempDir tmp("tool-errors-shape");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 20, 20);
  json c = tiny_config(data);
  c["input"] = {2048, 1024, 1024};
  const auto before = list_tree(tmp.str());
  ToolResult r = run_train({write_json(tmp.file("huge.json"), c), "--out", tmp.file("run")}, tmp.str());
  check_clean_failure(r, "bcnn-train",
                      {"huge.json: /input", "at most 2,147,483,647 values per sample",
                       "2048 x 1024 x 1024 = 2,147,483,648"});
  CHECK_FALSE(fs::exists(tmp.file("run")));
  CHECK(list_tree(tmp.str()).size() == before.size() + 1);  // the config file
}

TEST_CASE("bcnn-train: a weight array of more than 2^31 - 1 values is refused naming the layer") {
  // (Before the check, the arena of 4096 x 2^20 weights was allocated: 16 GiB touched.)
  TempDir tmp("tool-errors-weight");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 20, 20);
  json c = tiny_config(data);
  c["input"] = {1, 1024, 1024};
  c["layers"][1] = {{"type", "dense"}, {"name", "wide"}, {"units", 4096}};
  ToolResult r = run_train({write_json(tmp.file("wide.json"), c), "--out", tmp.file("run")}, tmp.str());
  check_clean_failure(r, "bcnn-train", {"wide.json: /layers/1", "layer \"wide\"", "values in weight",
                                        "4096 x 1048576 = 4,294,967,296"});
  CHECK_FALSE(fs::exists(tmp.file("run")));
}

TEST_CASE("bcnn-train: a network too big for the machine's memory is refused up front with the figure") {
  TempDir tmp("tool-errors-memory");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 20, 20);
  // Four layers of 2047 x 1048575 weights: about 34 GB of parameters, 137 GB with Adam's state.
  json c = tiny_config(data);
  c["input"] = {1, 1024, 1024};
  json layers = json::array({{{"type", "flatten"}}});
  for (int i = 0; i < 4; ++i) {
    layers.push_back({{"type", "dense"}, {"units", 2047}});
    layers.push_back({{"type", "dense"}, {"units", 1048575}});
  }
  layers.push_back({{"type", "dense"}, {"units", 10}});
  c["layers"] = layers;
  ToolResult r = run_train({write_json(tmp.file("giant.json"), c), "--out", tmp.file("run")}, tmp.str());
  check_clean_failure(r, "bcnn-train", {"giant.json: training this network", "at batch 32", "needs about",
                                        "GiB available", "try a smaller --batch or smaller layers"});
  CHECK_FALSE(fs::exists(tmp.file("run")));
}
