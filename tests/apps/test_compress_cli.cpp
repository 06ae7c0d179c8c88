// The dense -> block-circulant path end to end: bcnn-compress on a trained dense model, then
// bcnn-train --init on its output, with and without --teacher; and every bad input of the path
// (bcnn-compress's options, --init with other shapes, a teacher of another input or class count,
// train.distill without a teacher): one message, exit status 1 or 2, nothing written.
#include <doctest/doctest.h>

#include <filesystem>

#include "cli.h"
#include "io/model_file.h"
#include "train/config.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

ToolResult run_compress(const std::vector<std::string>& args, const std::string& work_dir) {
  return run_tool(BCNN_COMPRESS_EXE, args, work_dir);
}

// tiny_config with fc1 dense.
json tiny_dense_config(const std::string& data) {
  json c = tiny_config(data);
  c["layers"][1] = {{"type", "dense"}, {"name", "fc1"}, {"units", 32}};
  return c;
}

// A model of `config` with initial parameters, written without training.
std::string untrained_model(const std::string& path, const json& config) {
  bcnn::TrainConfig c = bcnn::make_train_config(config, "made.json");
  c.network->init_params(2);
  bcnn::save_model(path, {c.network.get(), c.resolved, json::object()});
  return path;
}

void expect_failure(const ToolResult& r, const std::string& work_dir, const std::set<std::string>& before, int status,
                    const std::vector<std::string>& parts) {
  INFO(r.command, "\nstderr:\n", r.err, "\nstdout:\n", r.out);
  CHECK(r.signal == 0);
  CHECK(r.status == status);
  for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
  CHECK(lines_with(r.err, "error").size() <= 1);
  CHECK(list_tree(work_dir) == before);
}

// One trained dense model shared by the cases (training it is most of their time).
struct DenseRun {
  TempDir tmp{"compress-cli"};
  std::string data = tmp.file("data");
  std::string dense = tmp.file("dense/best.h5");
  DenseRun() {
    write_mnist_fixture(data, 600, 200);
    ToolResult r = run_train({write_json(tmp.file("dense.json"), tiny_dense_config(data)), "--out", tmp.file("dense")},
                             tmp.str());
    INFO(r.err);
    REQUIRE(r.status == 0);
  }
};

}  // namespace

TEST_CASE("bcnn-compress, then bcnn-train --init and --teacher: a dense model becomes a fine-tuned block-circulant one") {
  DenseRun run;
  const std::string bc = run.tmp.file("bc_init.h5");
  ToolResult r =
      run_compress({run.dense, "--block", "8", "--layer", "fc2=0", "--match-statistics", "-o", bc}, run.tmp.str());
  INFO(r.command, "\nstderr:\n", r.err);
  REQUIRE(r.status == 0);
  REQUIRE(lines_with(r.err, "fc1    ").size() == 1);
  CHECK(contains(lines_with(r.err, "fc1    ").at(0), "bc_dense        8       25,120        3,168"));
  CHECK(contains(r.err, "kept: --layer fc2=0"));
  CHECK(contains(r.err, "parameters: 25450 -> 3498 (7.28x fewer)"));
  CHECK(contains(r.err, "after the projection (200 images)"));
  CHECK(contains(r.err, "after matching the output statistics on 600 training images (fc1 x"));

  bcnn::LoadedModel model = bcnn::load_model(bc);
  CHECK(model.network->find_layer("fc1")->type() == "bc_dense");
  CHECK(model.network->find_layer("fc2")->type() == "dense");
  CHECK(model.training["compressed_from"] == run.dense);
  const json& fc1 = model.training["layers"][0];
  CHECK(fc1["name"] == "fc1");
  CHECK(fc1["block"] == 8);
  CHECK(fc1["relative_error"].get<double>() > 0.5);  // a dense matrix is far from block-circulant
  CHECK(fc1["relative_error"].get<double>() < 1.0);
  CHECK(model.calibration.layers.count("fc1") == 1);  // ready for bcnn-compile as it is
  CHECK(model.training["matched_statistics"]["images"] == 600);
  CHECK(model.training["matched_statistics"]["scales"]["fc1"].get<double>() > 0);
  CHECK(model.training["projection_test_accuracy"].get<double>() >= 0);

  // bcnn-eval agrees with the accuracy bcnn-compress reports.
  ToolResult eval = run_eval({bc, "--json", "--latency-samples", "0"}, run.tmp.str());
  REQUIRE(eval.status == 0);
  CHECK(json::parse(eval.out)["accuracy"].get<double>() == doctest::Approx(model.training["test_accuracy"].get<double>()));

  // Fine-tuning from it: the network of tiny_config (fc1 bc_dense, block 8) takes its parameters.
  const std::string bc_config = write_json(run.tmp.file("bc.json"), tiny_config(run.data));
  ToolResult tuned = run_train({bc_config, "--init", bc, "--epochs", "1", "--out", run.tmp.file("tuned")}, run.tmp.str());
  INFO(tuned.err);
  REQUIRE(tuned.status == 0);
  bcnn::LoadedModel last = bcnn::load_model(run.tmp.file("tuned/last.h5"));
  CHECK(last.training["init"] == bc);
  CHECK(last.training["test_accuracy"].get<double>() > 0.8);

  // The first step starts from bc_init.h5's parameters: a run of 0 epochs is not possible, so one
  // step (--max-steps 1) with a tiny learning rate leaves them nearly as they were.
  ToolResult one = run_train({bc_config, "--init", bc, "--max-steps", "1", "--lr", "1e-9", "--out",
                              run.tmp.file("one")}, run.tmp.str());
  REQUIRE(one.status == 0);
  bcnn::LoadedModel ck = bcnn::load_model(run.tmp.file("one/checkpoint.h5"));
  auto a = ck.network->find_layer("fc1")->param(0);
  auto b = model.network->find_layer("fc1")->param(0);
  for (std::size_t i = 0; i < a.size(); i += 17) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-4));

  // Distillation from the dense model: the defaults land in the run's configuration.
  ToolResult distilled = run_train({bc_config, "--init", bc, "--teacher", run.dense, "--epochs", "1", "--out",
                                    run.tmp.file("distilled")}, run.tmp.str());
  INFO(distilled.err);
  REQUIRE(distilled.status == 0);
  json resolved = json::parse(read_text(run.tmp.file("distilled/config.json")));
  CHECK(resolved["train"]["distill"] == json({{"temperature", 4.0}, {"alpha", 0.7}}));
  bcnn::LoadedModel best = bcnn::load_model(run.tmp.file("distilled/best.h5"));
  CHECK(best.training["teacher"] == run.dense);
  CHECK(best.training["test_accuracy"].get<double>() > 0.8);
}

TEST_CASE("bcnn-compress and bcnn-train --init / --teacher: bad input gets one message and leaves nothing") {
  DenseRun run;
  const std::string work = run.tmp.str();
  auto before = list_tree(work);
  const std::string out = run.tmp.file("out.h5");
  expect_failure(run_compress({run.dense, "-o", out}, work), work, before, 1,
                 {"bcnn-compress: error: expected --block K or --layer NAME=K"});
  expect_failure(run_compress({run.dense, "--layer", "fc1", "-o", out}, work), work, before, 1,
                 {"--layer fc1: expected NAME=BLOCK"});
  expect_failure(run_compress({run.dense, "--layer", "fc1=x8", "-o", out}, work), work, before, 1,
                 {"found block \"x8\""});
  expect_failure(run_compress({run.dense, "--layer", "conv9=8", "-o", out}, work), work, before, 1,
                 {"--layer conv9=8: expected a layer of " + run.dense + ", found no layer named \"conv9\""});
  expect_failure(run_compress({run.dense, "--layer", "relu1=8", "-o", out}, work), work, before, 1,
                 {"expected a dense or conv2d layer, found layer \"relu1\" of type relu"});
  expect_failure(run_compress({run.dense, "--block", "8", "-o", run.dense}, work), work, before, 1,
                 {"expected an output other than the input model"});
  expect_failure(run_compress({run.dense, "--block", "0", "-o", out}, work), work, before, 2, {"--block"});
  expect_failure(run_compress({run.dense, "--block", "8", "--match-statistics", "--no-eval", "-o", out}, work), work,
                 before, 2, {"excludes"});
  expect_failure(run_compress({run.tmp.file("none.h5"), "--block", "8", "-o", out}, work), work, before, 1,
                 {"none.h5"});

  // --init with other shapes: fc1 of block 4 where the model has block 8, and a dense model.
  ToolResult compressed = run_compress({run.dense, "--block", "8", "--no-eval", "-o", out}, work);
  REQUIRE(compressed.status == 0);
  before = list_tree(work);
  json block4 = tiny_config(run.data);
  block4["layers"][1]["block"] = 4;
  const std::string block4_config = write_json(run.tmp.file("block4.json"), block4);
  before = list_tree(work);
  const std::string run_dir = run.tmp.file("run");
  expect_failure(run_train({block4_config, "--init", out, "--out", run_dir}, work), work, before, 1,
                 {out + ": --init: layer \"fc1\": expected bc_dense with block 4 (weight (8, 196, 4), bias (32,)) as in " +
                      block4_config + ", found bc_dense with block 8 (weight (4, 98, 8), bias (32,))"});
  expect_failure(run_train({block4_config, "--init", run.dense, "--out", run_dir}, work), work, before, 1,
                 {"found dense (weight (32, 784), bias (32,)); a dense model becomes block-circulant with bcnn-compress"});
  // A model with a layer the configuration lacks.
  json extra = tiny_dense_config(run.data);
  extra["layers"][3]["name"] = "out";
  const std::string extra_config = write_json(run.tmp.file("extra.json"), extra);
  before = list_tree(work);
  expect_failure(run_train({extra_config, "--init", run.dense, "--out", run_dir}, work), work, before, 1,
                 {"layer \"fc2\" (dense) has parameters, but " + extra_config + " has no layer of that name"});
  // A model of another input shape.
  json wide = tiny_dense_config(run.data);
  wide["input"] = {1, 14, 14};
  const std::string wide_model = untrained_model(run.tmp.file("wide.h5"), wide);
  const std::string dense_config = write_json(run.tmp.file("dense2.json"), tiny_dense_config(run.data));
  before = list_tree(work);
  expect_failure(run_train({dense_config, "--init", wide_model, "--out", run_dir}, work), work, before, 1,
                 {"--init: expected a model of input shape (1, 28, 28) (the /input of " + dense_config +
                  "), found (1, 14, 14)"});
  expect_failure(run_train({dense_config, "--init", run.dense, "--resume", run.dense, "--out", run_dir}, work), work,
                 before, 2, {"excludes"});

  // Teachers: another class count, another input shape, another normalization.
  json five = tiny_dense_config(run.data);
  five["layers"][3]["units"] = 5;
  const std::string five_model = untrained_model(run.tmp.file("five.h5"), five);
  json normalized = tiny_dense_config(run.data);
  normalized["train"]["normalize"] = {{"mean", {0.1}}, {"std", {0.3}}};
  const std::string normalized_model = untrained_model(run.tmp.file("normalized.h5"), normalized);
  before = list_tree(work);
  expect_failure(run_train({dense_config, "--teacher", five_model, "--out", run_dir}, work), work, before, 1,
                 {five_model + ": --teacher: expected 10 classes (the outputs of " + dense_config + "), found 5"});
  expect_failure(run_train({dense_config, "--teacher", wide_model, "--out", run_dir}, work), work, before, 1,
                 {wide_model + ": --teacher: expected a model of input shape (1, 28, 28)"});
  expect_failure(run_train({dense_config, "--teacher", normalized_model, "--out", run_dir}, work), work, before, 1,
                 {"--teacher: expected a model trained on images normalized as /train/normalize of " + dense_config +
                  " (none), found {\"mean\":[0.1],\"std\":[0.3]}"});
  json distill = tiny_dense_config(run.data);
  distill["train"]["distill"] = {{"temperature", 3}};
  const std::string distill_config = write_json(run.tmp.file("distill.json"), distill);
  before = list_tree(work);
  expect_failure(run_train({distill_config, "--out", run_dir}, work), work, before, 1,
                 {distill_config + ": /train/distill: expected --teacher MODEL.h5"});
}
