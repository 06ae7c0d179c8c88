// bcnn-train and bcnn-eval end to end on a small generated dataset: outputs, metrics, reports,
// interruption and divergence.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <thread>

#include "cli.h"
#include "io/model_file.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

// Percent values printed by bcnn-train as "test accuracy of <path>: X% (...".
std::optional<double> printed_test_accuracy(const std::string& err, const std::string& path) {
  std::regex pattern("test accuracy of " + std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                     R"(: ([0-9.]+)%)");
  std::smatch m;
  if (!std::regex_search(err, m, pattern)) return std::nullopt;
  return std::stod(m[1].str());
}

std::string two_decimals(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// A fraction as bcnn-train prints it: percent with two decimals.
std::string percent_2(double fraction) { return two_decimals(100 * fraction); }

std::set<std::string> temp_files_in(const std::string& dir) {
  std::set<std::string> temps;
  for (const auto& name : list_tree(dir))
    if (contains(name, ".tmp-")) temps.insert(name);
  return temps;
}

}  // namespace

TEST_CASE("bcnn-train: end to end on a tiny dataset writes models, config, metrics and a report") {
  TempDir tmp("train-e2e");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 200);
  const std::string config = write_json(tmp.file("net.json"), tiny_config(data));
  const std::string out = tmp.file("run");

  ToolResult r = run_train({config, "--out", out}, tmp.str());
  INFO(r.command, "\nstderr:\n", r.err);
  REQUIRE(r.status == 0);
  CHECK(r.signal == 0);

  // Output files, and nothing half-written.
  for (const char* name : {"best.h5", "last.h5", "checkpoint.h5", "config.json", "metrics.jsonl"})
    CHECK_MESSAGE(fs::is_regular_file(fs::path(out) / name), name);
  CHECK(temp_files_in(out).empty());
  CHECK(temp_files_in(tmp.str()).empty());

  // config.json is the resolved configuration: defaults filled in, the file's values kept.
  json resolved = json::parse(read_text(out + "/config.json"));
  CHECK(resolved["format"] == "bcnn-network");
  CHECK(resolved["layers"].size() == 4);
  CHECK(resolved["layers"][1]["block"] == 8);
  CHECK(resolved["layers"][1]["init"] == "he");
  CHECK(resolved["train"]["epochs"] == 2);
  CHECK(resolved["train"]["seed"] == 3);
  CHECK(resolved["train"]["optimizer"]["type"] == "adam");
  CHECK(resolved["train"]["schedule"]["type"] == "constant");

  // One metrics line per epoch with every field.
  auto rows = read_json_lines(out + "/metrics.jsonl");
  REQUIRE(rows.size() == 2);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(rows[i].dump());
    CHECK(rows[i]["epoch"] == static_cast<int>(i + 1));
    for (const char* key : {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "images_per_s"}) {
      REQUIRE_MESSAGE(rows[i].contains(key), key);
      CHECK(rows[i][key].is_number());
    }
    CHECK(rows[i]["train_loss"].get<double>() > 0);
    CHECK(rows[i]["images_per_s"].get<double>() > 0);
    CHECK(rows[i]["val_accuracy"].get<double>() >= 0);
    CHECK(rows[i]["val_accuracy"].get<double>() <= 1);
  }
  CHECK(rows[1]["step"] == 2 * 16);  // 500 training images in batches of 32
  // Chance is 10%; the fixture is easy.
  CHECK(rows[1]["val_accuracy"].get<double>() > 0.8);
  CHECK(rows[1]["train_loss"].get<double>() < rows[0]["train_loss"].get<double>());

  // Layer table: names, types, block size and compression of the block-circulant layer.
  auto fc1 = lines_with(r.err, "fc1");
  REQUIRE(!fc1.empty());
  CHECK(contains(fc1[0], "bc_dense"));
  // p = 4, q = 98, k = 8: 3136 weights + 32 biases; dense 784*32 + 32 = 25120; 25120/3168 = 7.9.
  CHECK(contains(fc1[0], "3,168"));
  CHECK(std::regex_search(fc1[0], std::regex(R"(\s8\s+7\.9x)")));
  auto fc2 = lines_with(r.err, "fc2");
  REQUIRE(!fc2.empty());
  CHECK(contains(fc2[0], "dense"));
  CHECK(contains(fc2[0], "330"));
  CHECK(contains(r.err, "flatten"));
  CHECK(contains(r.err, "relu1"));
  CHECK(contains(r.err, "compression"));
  CHECK(contains(r.err, "MACs/image"));
  CHECK(contains(r.err, "3,498 parameters"));

  // One summary line per epoch.
  auto epoch_lines = lines_with(r.err, "train loss");
  REQUIRE(epoch_lines.size() == 2);
  CHECK(epoch_lines[0].rfind("epoch 1/2", 0) == 0);
  CHECK(epoch_lines[1].rfind("epoch 2/2", 0) == 0);
  CHECK(contains(epoch_lines[0], "val loss"));

  // The models know where they came from and are models, not checkpoints.
  bcnn::LoadedModel best = bcnn::load_model(out + "/best.h5");
  CHECK_FALSE(best.is_checkpoint);
  CHECK(best.calibration.images == 100);
  CHECK(best.calibration.layers.count("fc1") == 1);
  CHECK(best.training.contains("test_accuracy"));
  bcnn::LoadedModel checkpoint = bcnn::load_model(out + "/checkpoint.h5");
  CHECK(checkpoint.is_checkpoint);
  CHECK(checkpoint.state.step == 32);
  CHECK(checkpoint.state.epoch == 2);
  CHECK(checkpoint.optimizer_type == "adam");

  auto best_printed = printed_test_accuracy(r.err, out + "/best.h5");
  REQUIRE(best_printed);
  CHECK(percent_2(best.training["test_accuracy"].get<double>()) == two_decimals(*best_printed));
}

TEST_CASE("bcnn-train: drop_last trains on whole batches only, so a batchnorm never sees a batch of one") {
  TempDir tmp("train-drop-last");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 201, 50);
  json config = tiny_config(data);  // 201 - 100 validation = 101 training images
  config["train"]["batch"] = 20;
  config["train"]["drop_last"] = true;
  config["layers"].insert(config["layers"].begin() + 2, json{{"type", "batchnorm"}, {"name", "bn1"}});
  const std::string out = tmp.file("run");
  ToolResult r = run_train({write_json(tmp.file("net.json"), config), "--out", out, "--quiet"}, tmp.str());
  INFO(r.command, "\nstderr:\n", r.err);
  REQUIRE(r.status == 0);
  auto rows = read_json_lines(out + "/metrics.jsonl");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["step"] == 5);  // 101 images: 5 batches of 20, the 1 left over skipped
  CHECK(rows[1]["step"] == 10);
  CHECK(json::parse(read_text(out + "/config.json"))["train"]["drop_last"] == true);
}

TEST_CASE("bcnn-eval: --json and the text report on a trained best.h5 agree with bcnn-train") {
  TempDir tmp("eval-e2e");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 200);
  const std::string config = write_json(tmp.file("net.json"), tiny_config(data));
  const std::string out = tmp.file("run");
  // A short, slow run, so that the accuracy is neither chance nor 100% and the comparison means something.
  ToolResult train = run_train({config, "--out", out, "--quiet", "--epochs", "1", "--lr", "0.001"}, tmp.str());
  INFO("stderr of bcnn-train:\n", train.err);
  REQUIRE(train.status == 0);
  auto printed = printed_test_accuracy(train.err, out + "/best.h5");
  REQUIRE(printed);

  ToolResult r = run_eval({out + "/best.h5", "--json", "--threads", "1", "--latency-samples", "20"}, tmp.str());
  INFO(r.command, "\nstderr:\n", r.err, "\nstdout:\n", r.out);
  REQUIRE(r.status == 0);
  json report = json::parse(r.out);

  REQUIRE(report["accuracy"].is_number());
  const double accuracy = report["accuracy"].get<double>();
  CHECK(accuracy > 0.3);
  CHECK(accuracy < 0.95);
  const std::string printed_text = two_decimals(*printed);
  CHECK(percent_2(accuracy) == printed_text);
  CHECK(report["images"] == 200);
  CHECK(report["images_per_s"].get<double>() > 0);

  REQUIRE(report["confusion"].is_array());
  REQUIRE(report["confusion"].size() == 10);
  std::int64_t total = 0, diagonal = 0;
  for (int t = 0; t < 10; ++t) {
    REQUIRE(report["confusion"][t].size() == 10);
    for (int p = 0; p < 10; ++p) total += report["confusion"][t][p].get<std::int64_t>();
    diagonal += report["confusion"][t][t].get<std::int64_t>();
  }
  CHECK(total == 200);
  CHECK(static_cast<double>(diagonal) / 200 == doctest::Approx(accuracy));

  REQUIRE(report["class_accuracy"].size() == 10);
  for (int c = 0; c < 10; ++c) {
    std::int64_t row = 0;
    for (int p = 0; p < 10; ++p) row += report["confusion"][c][p].get<std::int64_t>();
    double expected = row ? static_cast<double>(report["confusion"][c][c].get<std::int64_t>()) / row : 0.0;
    CHECK(report["class_accuracy"][c].get<double>() == doctest::Approx(expected));
  }
  CHECK(report["params"] == 3498);
  CHECK(report["dense_params"] == 25450);
  CHECK(report["compression"].get<double>() == doctest::Approx(25450.0 / 3498.0));
  // Per-layer parameters, compression, MACs and forward time.
  REQUIRE(report["layers"].size() == 4);
  double share = 0;
  for (const auto& layer : report["layers"]) {
    CHECK(layer["forward_us_per_image"].get<double>() >= 0.0);
    share += layer["time_share"].get<double>();
  }
  CHECK(share == doctest::Approx(1.0));
  CHECK(report["layers"][1]["name"] == "fc1");
  CHECK(report["layers"][1]["macs"].get<long long>() > 0);
  CHECK(report["layers"][1]["compression"].get<double>() == doctest::Approx(report["layers"][1]["dense_params"].get<double>() /
                                                                            report["layers"][1]["params"].get<double>()));

  // The text report.
  ToolResult text = run_eval({out + "/best.h5", "--threads", "1", "--latency-samples", "20"}, tmp.str());
  INFO(text.command, "\nstderr:\n", text.err);
  CHECK(text.status == 0);
  CHECK(contains(text.out, "accuracy"));
  CHECK(contains(text.out, printed_text + "%"));
  CHECK(contains(text.out, "confusion"));
  CHECK(contains(text.out, "per layer"));
  CHECK(contains(text.out, "(model)"));
  CHECK(contains(text.out, "; batch 1: "));

  // Without latency samples the batch-1 figures are left out, not printed as zeros.
  ToolResult no_latency = run_eval({out + "/best.h5", "--threads", "1", "--latency-samples", "0"}, tmp.str());
  CHECK(no_latency.status == 0);
  CHECK(contains(no_latency.out, "throughput "));
  CHECK(!contains(no_latency.out, "batch 1:"));

  // A checkpoint evaluates too, and says what it is.
  ToolResult checkpoint = run_eval({out + "/checkpoint.h5", "--threads", "1", "--latency-samples", "5"}, tmp.str());
  INFO(checkpoint.err);
  CHECK(checkpoint.status == 0);
  CHECK(contains(checkpoint.out, "(checkpoint)"));
  CHECK(contains(checkpoint.out, printed_text + "%"));  // one epoch: the same weights
}

TEST_CASE("bcnn-train: Ctrl-C stops after the current step with a checkpoint and exit status 130") {
  TempDir tmp("train-interrupt");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 200);
  json config = tiny_config(data);
  config["train"]["epochs"] = 10000;  // far longer than the test waits
  const std::string config_path = write_json(tmp.file("net.json"), config);
  const std::string out = tmp.file("run");

  BackgroundTool tool(BCNN_TRAIN_EXE, {config_path, "--out", out}, tmp.str());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (tool.running() && !contains(tool.stderr_so_far(), "epoch 1/10000") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(tool.running());
  // Wait for the end-of-epoch line (not just a progress line) so a checkpoint certainly exists too.
  while (tool.running() && lines_with(tool.stderr_so_far(), "train loss").empty() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(tool.running());
  tool.send_signal(SIGINT);
  ToolResult r = tool.wait(60);
  INFO("stderr:\n", r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.signal == 0);
  CHECK(r.status == 130);
  CHECK(contains(r.err, "interrupted"));
  CHECK(contains(r.err, "--resume " + out + "/checkpoint.h5"));

  bcnn::LoadedModel checkpoint = bcnn::load_model(out + "/checkpoint.h5");
  CHECK(checkpoint.is_checkpoint);
  CHECK(checkpoint.state.step >= 16);
  CHECK(checkpoint.state.epoch >= 1);
  CHECK(temp_files_in(out).empty());
}

TEST_CASE("bcnn-train: a diverging run ends with status 3, names a layer and the learning rate, keeps the checkpoint") {
  TempDir tmp("train-diverge");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 200);
  // Without the relu the network is linear in each layer's weights, and plain SGD at the largest
  // learning rate the options accept makes the two weight matrices grow each other exponentially:
  // the logits overflow within a dozen steps. (With the relu the units die instead.)
  json config = tiny_config(data);
  config["layers"].erase(2);
  config["train"]["epochs"] = 1;
  config["train"]["optimizer"] = {{"type", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}};
  const std::string out = tmp.file("run");
  ToolResult good = run_train({write_json(tmp.file("good.json"), config), "--out", out, "--quiet"}, tmp.str());
  INFO("first run:\n", good.err);
  REQUIRE(good.status == 0);
  const std::vector<float> good_params = [&] {
    bcnn::LoadedModel m = bcnn::load_model(out + "/checkpoint.h5");
    return std::vector<float>(m.network->params().begin(), m.network->params().end());
  }();

  config["train"]["epochs"] = 3;
  config["train"]["optimizer"]["lr"] = 10;
  const std::string diverging = write_json(tmp.file("diverge.json"), config);

  // From the start: nothing to fall back on.
  ToolResult fresh = run_train({diverging, "--out", tmp.file("fresh")}, tmp.str());
  INFO("fresh run:\n", fresh.err);
  CHECK(fresh.status == 3);
  CHECK(contains(fresh.err, "bcnn-train: error: training diverged at epoch 1"));
  CHECK(contains(fresh.err, "learning rate 10"));
  CHECK(std::regex_search(fresh.err, std::regex(R"re(layer "(fc1|fc2)")re")));
  CHECK(contains(fresh.err, "no checkpoint was written yet"));
  CHECK_FALSE(fs::exists(tmp.file("fresh") + "/checkpoint.h5"));
  CHECK_FALSE(fs::exists(tmp.file("fresh") + "/best.h5"));
  CHECK(temp_files_in(tmp.file("fresh")).empty());

  // The same with the batch in 2 shards (train.shards): the layer is found in a shard's replica.
  config["train"]["shards"] = 2;
  ToolResult sharded = run_train({write_json(tmp.file("diverge_shards.json"), config), "--out", tmp.file("shards"),
                                  "--threads", "2"},
                                 tmp.str());
  INFO("sharded run:\n", sharded.err);
  CHECK(sharded.status == 3);
  CHECK(contains(sharded.err, "bcnn-train: error: training diverged at epoch 1"));
  CHECK(std::regex_search(sharded.err, std::regex(R"re(layer "(fc1|fc2)")re")));
  CHECK_FALSE(fs::exists(tmp.file("shards") + "/checkpoint.h5"));
  config["train"].erase("shards");

  // After a completed epoch: the checkpoint of that epoch is named, untouched, and still loads.
  // (Other epochs and learning rate than the checkpoint's: a resume that must be allowed.)
  ToolResult resumed = run_train(
      {diverging, "--out", out, "--resume", out + "/checkpoint.h5", "--allow-changed-resume"}, tmp.str());
  INFO("resumed run:\n", resumed.err);
  CHECK(resumed.status == 3);
  CHECK(contains(resumed.err, "training diverged at epoch 2"));
  CHECK(contains(resumed.err, "learning rate 10"));
  CHECK(std::regex_search(resumed.err, std::regex(R"re(layer "(fc1|fc2)")re")));
  CHECK(contains(resumed.err, "the last good checkpoint is " + out + "/checkpoint.h5"));
  bcnn::LoadedModel checkpoint = bcnn::load_model(out + "/checkpoint.h5");
  CHECK(checkpoint.is_checkpoint);
  CHECK(checkpoint.state.epoch == 1);
  CHECK(checkpoint.state.batch_in_epoch == 0);
  auto params = checkpoint.network->params();
  CHECK(std::vector<float>(params.begin(), params.end()) == good_params);
  CHECK_FALSE(bcnn::load_model(out + "/last.h5").is_checkpoint);
  CHECK(read_json_lines(out + "/metrics.jsonl").size() == 1);
  CHECK(temp_files_in(out).empty());

  // The checkpoint resumes at a sane learning rate.
  ToolResult recovered =
      run_train({diverging, "--out", out, "--resume", out + "/checkpoint.h5", "--lr", "0.05", "--quiet",
                 "--allow-changed-resume"},
                tmp.str());
  INFO("recovered run:\n", recovered.err);
  CHECK(recovered.status == 0);
  CHECK(read_json_lines(out + "/metrics.jsonl").size() == 3);
}
