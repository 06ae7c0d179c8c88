// Runs are reproducible: the same seed and thread count give bit-identical models, and a run that
// is stopped and resumed from its checkpoint ends exactly where an uninterrupted run ends.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <cstring>
#include <vector>

#include "cli.h"
#include "io/model_file.h"

namespace {

using namespace bcnn::testing;
using nlohmann::json;

std::vector<float> params_of(const bcnn::LoadedModel& m) {
  auto p = m.network->params();
  return {p.begin(), p.end()};
}

// Bitwise equality (so that -0.0 != 0.0 and NaN payloads count), with the first difference reported.
void check_bit_identical(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  INFO(what);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      FAIL_CHECK("first difference at index " << i << ": " << a[i] << " vs " << b[i]);
      return;
    }
  }
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check_same_checkpoint(const std::string& path_a, const std::string& path_b) {
  bcnn::LoadedModel a = bcnn::load_model(path_a), b = bcnn::load_model(path_b);
  REQUIRE(a.is_checkpoint);
  REQUIRE(b.is_checkpoint);
  check_bit_identical(params_of(a), params_of(b), "parameters of " + path_a + " and " + path_b);
  CHECK(a.optimizer_type == b.optimizer_type);
  REQUIRE(a.optimizer_state.size() == b.optimizer_state.size());
  for (const auto& [name, values] : a.optimizer_state) {
    REQUIRE_MESSAGE(b.optimizer_state.count(name), name);
    check_bit_identical(values, b.optimizer_state.at(name), "optimizer state " + name);
  }
  CHECK(a.state.to_json() == b.state.to_json());
}

}  // namespace

TEST_CASE("train: the same seed and threads give bit-identical models, another seed does not") {
  TempDir tmp("train-repro");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 200);
  json config = tiny_config_with_dropout(data);
  config["train"]["epochs"] = 1;
  const std::string path = write_json(tmp.file("net.json"), config);

  for (const char* threads : {"1", "2"}) {
    CAPTURE(threads);
    std::vector<std::vector<float>> params;
    for (const char* run : {"a", "b", "c"}) {
      const std::string seed = std::string(run) == "c" ? "4" : "3";
      const std::string out = tmp.file(std::string("run-") + threads + run);
      ToolResult r = run_train({path, "--out", out, "--quiet", "--threads", threads, "--seed", seed}, tmp.str());
      INFO(r.command, "\n", r.err);
      REQUIRE(r.status == 0);
      params.push_back(params_of(bcnn::load_model(out + "/last.h5")));
    }
    check_bit_identical(params[0], params[1], "same seed, same threads");
    CHECK_FALSE(bit_identical(params[0], params[2]));
  }
}

TEST_CASE("train: stopping with --max-steps inside an epoch and resuming matches an uninterrupted run") {
  TempDir tmp("train-resume");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 200);
  json config = tiny_config_with_dropout(data);  // dropout: the resumed run must reuse the masks' stream
  config["train"]["epochs"] = 2;
  config["train"]["threads"] = 2;
  config["train"]["schedule"] = {{"type", "cosine"}, {"warmup_epochs", 0.5}};  // lr depends on the step
  const std::string path = write_json(tmp.file("net.json"), config);
  // 500 training images in batches of 32: 16 steps per epoch. Stop at 10 (inside epoch 1), then
  // continue to 21 (past the end of epoch 1, inside epoch 2).
  const std::string first = "10", second = "21";

  const std::string a = tmp.file("a");
  ToolResult ra = run_train({path, "--out", a, "--quiet", "--max-steps", second}, tmp.str());
  INFO(ra.command, "\n", ra.err);
  REQUIRE(ra.status == 0);
  CHECK(contains(ra.err, "stopped after step 21"));

  const std::string b = tmp.file("b");
  ToolResult rb1 = run_train({path, "--out", b, "--quiet", "--max-steps", first}, tmp.str());
  INFO(rb1.command, "\n", rb1.err);
  REQUIRE(rb1.status == 0);
  CHECK(contains(rb1.err, "stopped after step 10"));
  {
    bcnn::LoadedModel mid = bcnn::load_model(b + "/checkpoint.h5");
    CHECK(mid.state.step == 10);
    CHECK(mid.state.epoch == 0);
    CHECK(mid.state.batch_in_epoch == 10);
  }
  ToolResult rb2 =
      run_train({path, "--out", b, "--quiet", "--resume", b + "/checkpoint.h5", "--max-steps", second}, tmp.str());
  INFO(rb2.command, "\n", rb2.err);
  REQUIRE(rb2.status == 0);
  check_same_checkpoint(a + "/checkpoint.h5", b + "/checkpoint.h5");
  {
    bcnn::LoadedModel end = bcnn::load_model(b + "/checkpoint.h5");
    CHECK(end.state.step == 21);
    CHECK(end.state.epoch == 1);
    CHECK(end.state.batch_in_epoch == 5);
  }
  // The epoch-1 models agree too (written by the second part of run b).
  check_bit_identical(params_of(bcnn::load_model(a + "/last.h5")), params_of(bcnn::load_model(b + "/last.h5")),
                      "last.h5 after epoch 1");

  // Resuming to the end gives the models of an uninterrupted full run.
  const std::string c = tmp.file("c");
  ToolResult rc = run_train({path, "--out", c, "--quiet"}, tmp.str());
  INFO(rc.command, "\n", rc.err);
  REQUIRE(rc.status == 0);
  ToolResult rb3 = run_train({path, "--out", b, "--quiet", "--resume", b + "/checkpoint.h5"}, tmp.str());
  INFO(rb3.command, "\n", rb3.err);
  REQUIRE(rb3.status == 0);
  check_bit_identical(params_of(bcnn::load_model(c + "/last.h5")), params_of(bcnn::load_model(b + "/last.h5")),
                      "last.h5 at the end");
  check_bit_identical(params_of(bcnn::load_model(c + "/best.h5")), params_of(bcnn::load_model(b + "/best.h5")),
                      "best.h5 at the end");
  check_same_checkpoint(c + "/checkpoint.h5", b + "/checkpoint.h5");

  // metrics.jsonl of the resumed run has each epoch once, with the uninterrupted run's numbers.
  auto rows_b = read_json_lines(b + "/metrics.jsonl"), rows_c = read_json_lines(c + "/metrics.jsonl");
  REQUIRE(rows_b.size() == 2);
  REQUIRE(rows_c.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    for (const char* key : {"epoch", "step", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}) {
      CAPTURE(key);
      CHECK(rows_b[i][key] == rows_c[i][key]);
    }
  }
}

TEST_CASE("train: resuming into another output directory finishes there with both models") {
  TempDir tmp("train-resume-elsewhere");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 200);
  const std::string path = write_json(tmp.file("net.json"), tiny_config(data));
  const std::string first = tmp.file("first"), second = tmp.file("second");
  ToolResult r1 = run_train({path, "--out", first, "--quiet", "--max-steps", "20"}, tmp.str());
  INFO(r1.command, "\n", r1.err);
  REQUIRE(r1.status == 0);
  // Epoch 2 does not beat epoch 1's validation accuracy on this easy data, so the resumed run has
  // no reason to write a best.h5 of its own.
  ToolResult r2 = run_train({path, "--out", second, "--quiet", "--resume", first + "/checkpoint.h5"}, tmp.str());
  INFO(r2.command, "\n", r2.err);
  CHECK(r2.status == 0);
  CHECK_FALSE(contains(r2.err, "error"));
  CHECK(std::filesystem::is_regular_file(second + "/last.h5"));
  CHECK(std::filesystem::is_regular_file(second + "/best.h5"));
}
