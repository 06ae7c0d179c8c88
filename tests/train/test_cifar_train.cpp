// bcnn-train and bcnn-eval end to end on a generated CIFAR-10 fixture with per-channel
// normalization and augmentation: the model stores its normalization, bcnn-eval applies it, and
// augmented runs stay exactly reproducible through a resume.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "cli.h"
#include "data/dataset.h"
#include "eval/evaluate.h"
#include "io/model_file.h"

namespace {

using namespace bcnn::testing;
using nlohmann::json;

std::vector<float> params_of(const std::string& path) {
  bcnn::LoadedModel m = bcnn::load_model(path);
  auto p = m.network->params();
  return {p.begin(), p.end()};
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("cifar10 end to end: normalize + augment train, and bcnn-eval reproduces the test accuracy") {
  TempDir tmp("cifar-e2e");
  const std::string data = tmp.file("data");
  write_cifar_fixture(data, 40, 100);  // 200 training images (40 held out), 100 test images
  const json config = tiny_cifar_config(data);
  const std::string path = write_json(tmp.file("net.json"), config);
  const std::string out = tmp.file("run");

  ToolResult train = run_train({path, "--out", out}, tmp.str());
  INFO(train.command, "\n", train.err);
  REQUIRE(train.status == 0);
  CHECK(contains(train.err, "data: cifar10, 160 training / 40 validation / 100 test images, normalized per channel, "
                            "random crops (padding 4), random flips; 8 steps per epoch"));

  // The resolved configuration, in config.json and in the model, carries both settings.
  const json resolved = json::parse(read_text(out + "/config.json"));
  CHECK(resolved["train"]["normalize"] == config["train"]["normalize"]);
  CHECK(resolved["train"]["augment"] == json{{"crop_padding", 4}, {"flip", true}});
  bcnn::LoadedModel best = bcnn::load_model(out + "/best.h5");
  CHECK(best.config["train"]["normalize"] == config["train"]["normalize"]);
  const double train_accuracy = best.training["test_accuracy"].get<double>();
  const double train_loss = best.training["test_loss"].get<double>();
  CHECK(train_accuracy > 0.5);  // ten classes: chance is 0.1

  ToolResult eval = run_eval({out + "/best.h5", "--json", "--threads", "1", "--latency-samples", "5"}, tmp.str());
  INFO(eval.command, "\n", eval.err);
  REQUIRE(eval.status == 0);
  const json report = json::parse(eval.out);
  CHECK(report["dataset"] == "cifar10");
  CHECK(report["images"] == 100);
  CHECK(report["normalize"] == config["train"]["normalize"]);
  CHECK(report["accuracy"].get<double>() == train_accuracy);
  CHECK(std::abs(report["mean_loss"].get<double>() - train_loss) < 1e-6 * (1 + std::abs(train_loss)));
  CHECK(report["class_names"][9] == "truck");

  // The same model on the raw images is another model: the normalization is what made them agree.
  bcnn::Dataset raw = bcnn::load_dataset("cifar10", data, bcnn::Split::test);
  bcnn::EvalResult unnormalized = bcnn::evaluate(*best.network, raw, 500);
  CHECK(std::abs(unnormalized.mean_loss - train_loss) > 1e-3);

  // The text report says that it normalized.
  ToolResult text = run_eval({out + "/best.h5", "--threads", "1", "--latency-samples", "0"}, tmp.str());
  REQUIRE(text.status == 0);
  CHECK(contains(text.out, "cifar10 test, 100 images, normalized per channel as in training"));
}

TEST_CASE("cifar10 end to end: an augmented run stopped and resumed is bit-identical to an uninterrupted one") {
  TempDir tmp("cifar-repro");
  const std::string data = tmp.file("data");
  write_cifar_fixture(data, 40, 20);
  json config = tiny_cifar_config(data);
  config["train"]["epochs"] = 2;
  const std::string path = write_json(tmp.file("net.json"), config);

  auto run = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {path, "--out", tmp.file(name), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    ToolResult r = run_train(args, tmp.str());
    INFO(r.command, "\n", r.err);
    REQUIRE(r.status == 0);
  };
  run("whole", {"--threads", "1"});
  // 160 training images in batches of 20: 8 steps per epoch; stop inside epoch 1, resume.
  run("resumed", {"--threads", "1", "--max-steps", "11"});
  run("resumed", {"--threads", "1", "--resume", tmp.file("resumed") + "/checkpoint.h5"});
  run("other-seed", {"--threads", "1", "--seed", "6"});

  const std::vector<float> reference = params_of(tmp.file("whole") + "/last.h5");
  CHECK(bit_identical(reference, params_of(tmp.file("resumed") + "/last.h5")));
  CHECK_FALSE(bit_identical(reference, params_of(tmp.file("other-seed") + "/last.h5")));
}
