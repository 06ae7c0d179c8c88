// bcnn-train's run directory and --resume: exact resumption or a clear refusal, no silent
// overwrite of a run, metrics brought back to the checkpoint, damaged checkpoints refused, stale
// temporary files removed, and SIGTERM / SIGHUP / a late SIGINT handled like Ctrl-C.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "cli.h"
#include "io/model_file.h"
#include "train/optimizer.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

struct Run {
  TempDir tmp{"train-resume-cli"};
  std::string data = tmp.file("data");
  std::string out = tmp.file("run");
  std::string config;
  explicit Run(int train_images = 600, int test_images = 200) {
    write_mnist_fixture(data, train_images, test_images);
    config = write_json(tmp.file("net.json"), tiny_config(data));  // 500 training images: 16 steps per epoch
  }
  ToolResult train(std::vector<std::string> extra, const std::string& out_dir = "") {
    std::vector<std::string> args = {config, "--out", out_dir.empty() ? out : out_dir, "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_train(args, tmp.str());
  }
};

// Every file below `dir` with its bytes: a refused run must leave all of them as they were.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& name : list_tree(dir))
    if (fs::is_regular_file(fs::path(dir) / name)) files[name] = read_text((fs::path(dir) / name).string());
  return files;
}

// Rewrites a checkpoint through the library with its state, summary or optimizer moments changed.
using Moments = std::map<std::string, std::vector<float>>;

void rewrite_checkpoint(const std::string& path, const std::function<void(bcnn::TrainState&, Moments&)>& edit) {
  bcnn::LoadedModel ck = bcnn::load_model(path);
  REQUIRE(ck.is_checkpoint);
  bcnn::OptimizerSpec spec;
  spec.type = ck.optimizer_type;
  bcnn::Optimizer optimizer(spec, ck.network->params().size(), ck.network->param_ranges());
  bcnn::TrainState state = ck.state;
  edit(state, ck.optimizer_state);
  for (auto& [name, buffer] : optimizer.state()) {
    const auto& values = ck.optimizer_state.at(name);
    buffer->assign(values.begin(), values.end());
  }
  optimizer.set_steps(ck.state.step);
  bcnn::save_model(path, {ck.network.get(), ck.config, ck.training, nullptr, &optimizer, &state});
}

void expect_refusal(const ToolResult& r, const std::vector<std::string>& parts) {
  INFO(r.command, "\nstderr:\n", r.err);
  CHECK(r.signal == 0);
  CHECK(r.status == 1);
  CHECK(lines_with(r.err, "bcnn-train: error: ").size() == 1);
  for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
}

// Waits until `tool` has printed an epoch's summary line (so a checkpoint exists).
bool wait_for_epoch_line(BackgroundTool& tool) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (tool.running() && lines_with(tool.stderr_so_far(), "train loss").empty() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return tool.running();
}

}  // namespace

TEST_CASE("bcnn-train: a new run refuses an --out that holds a run unless --force") {
  Run run;
  ToolResult first = run.train({"--epochs", "1"});
  INFO(first.err);
  REQUIRE(first.status == 0);
  const auto before = snapshot(run.out);

  ToolResult again = run.train({"--epochs", "1", "--seed", "9"});
  expect_refusal(again, {run.out + ": already holds a run", "checkpoint.h5", "metrics.jsonl", "--force",
                         "--resume " + run.out + "/checkpoint.h5"});
  CHECK(snapshot(run.out) == before);

  ToolResult forced = run.train({"--epochs", "1", "--seed", "9", "--force"});
  INFO(forced.err);
  CHECK(forced.status == 0);
  CHECK(read_json_lines(run.out + "/metrics.jsonl").size() == 1);
  CHECK(json::parse(read_text(run.out + "/config.json"))["train"]["seed"] == 9);
}

TEST_CASE("bcnn-train: --resume with other settings or data is refused naming each difference") {
  Run run;
  ToolResult first = run.train({"--max-steps", "10"});
  INFO(first.err);
  REQUIRE(first.status == 0);
  const std::string ck = run.out + "/checkpoint.h5";
  const auto before = snapshot(run.out);

  SUBCASE("seed, batch, learning rate") {
    ToolResult r = run.train({"--resume", ck, "--seed", "4", "--batch", "16", "--lr", "0.005", "--threads", "2"});
    expect_refusal(r, {ck, "would not continue the run exactly", "/train/seed: 3 in the checkpoint, 4 now",
                       "/train/batch: 32 in the checkpoint, 16 now", "/train/optimizer/lr: 0.01 in the checkpoint, "
                       "0.005 now", "--allow-changed-resume"});
    CHECK_FALSE(contains(r.err, "/train/threads"));
    CHECK(snapshot(run.out) == before);
  }
  SUBCASE("another thread count or shard count continues, saying that the sums round differently") {
    ToolResult r = run.train({"--resume", ck, "--threads", "2"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(contains(r.err, "resuming on 1 shard of 2 threads (1 shard of 1 thread in the checkpoint)"));
    CHECK_FALSE(contains(r.err, "--allow-changed-resume"));
    CHECK(read_json_lines(run.out + "/metrics.jsonl").size() == 2);
  }
  SUBCASE("the data's contents (same path, other bytes)") {
    const std::string images = run.data + "/train-images-idx3-ubyte";
    std::string bytes = read_text(images);
    bytes[16 + 400] = static_cast<char>(bytes[16 + 400] ^ 0x40);
    write_text(images, bytes);
    ToolResult r = run.train({"--resume", ck});
    expect_refusal(r, {ck, "the data in " + run.data, "the files differ", "--allow-changed-resume"});
    CHECK(snapshot(run.out) == before);
  }
  SUBCASE("the network") {
    json other = tiny_config(run.data);
    other["layers"][1]["init"] = "glorot";
    ToolResult r = run_train({write_json(run.tmp.file("other.json"), other), "--out", run.out, "--quiet", "--resume",
                              ck, "--allow-changed-resume"},
                             run.tmp.str());
    expect_refusal(r, {ck, "another network", "/layers/1/init: \"he\" in the checkpoint, \"glorot\" now"});
  }
  SUBCASE("--allow-changed-resume continues with a warning listing the differences") {
    ToolResult r = run.train({"--resume", ck, "--seed", "4", "--allow-changed-resume"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(contains(r.err, "--allow-changed-resume"));
    CHECK(contains(r.err, "/train/seed: 3 in the checkpoint, 4 now"));
    CHECK(read_json_lines(run.out + "/metrics.jsonl").size() == 2);
  }
}

TEST_CASE("bcnn-train: on --resume metrics.jsonl holds exactly one row per epoch and torn lines are dropped") {
  Run run;
  ToolResult first = run.train({"--max-steps", "20"});  // epoch 1 done, the checkpoint inside epoch 2
  INFO(first.err);
  REQUIRE(first.status == 0);
  // As if killed after appending epoch 2's row but before its checkpoint, with a torn line too.
  const std::string metrics = run.out + "/metrics.jsonl";
  write_text(metrics, read_text(metrics) + "[1, 2]\n" + R"({"epoch": 2, "step": 999, "stale": true})" + "\n" +
                          R"({"epoch": 1, "st)");
  ToolResult r = run.train({"--resume", run.out + "/checkpoint.h5"});
  INFO(r.err);
  CHECK(r.signal == 0);
  REQUIRE(r.status == 0);
  CHECK(contains(r.err, "metrics.jsonl:2: dropped a line"));
  auto rows = read_json_lines(metrics);
  INFO(read_text(metrics));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["epoch"] == 1);
  CHECK(rows[1]["epoch"] == 2);
  CHECK(rows[1]["step"] == 32);
  CHECK_FALSE(rows[1].contains("stale"));
}

TEST_CASE("bcnn-train: a checkpoint whose state is out of range is refused naming the file and the field") {
  Run run;
  ToolResult first = run.train({"--max-steps", "10"});
  INFO(first.err);
  REQUIRE(first.status == 0);
  const std::string ck = run.out + "/checkpoint.h5";
  struct Damage {
    const char* name;
    std::function<void(bcnn::TrainState&, Moments&)> edit;
    std::vector<std::string> parts;
  };
  const std::vector<Damage> damages = {
      {"negative batch_in_epoch", [](bcnn::TrainState& s, Moments&) { s.batch_in_epoch = -3; },
       {"train_state/batch_in_epoch", "expected an integer in [0, 15]", "found -3"}},
      {"batch_in_epoch past the epoch", [](bcnn::TrainState& s, Moments&) { s.batch_in_epoch = 1000; },
       {"train_state/batch_in_epoch", "found 1000"}},
      {"epoch past the run", [](bcnn::TrainState& s, Moments&) { s.epoch = 99; },
       {"train_state/epoch", "expected an integer in [0, 2]", "found 99"}},
      {"step inconsistent with the position", [](bcnn::TrainState& s, Moments&) { s.batch_in_epoch = 4; },
       {"train_state/step", "expected 4", "found 10"}},
      {"more images seen than the batches hold", [](bcnn::TrainState& s, Moments&) { s.epoch_seen = 100000; },
       {"train_state/epoch_seen", "found 100000"}},
      {"a negative second moment", [](bcnn::TrainState&, Moments& m) { m["second_moment"][7] = -1.0f; },
       {"/optimizer/second_moment[7]", "a finite value >= 0", "found -1"}},
  };
  const std::string good = read_text(ck);
  for (const auto& damage : damages) {
    CAPTURE(damage.name);
    write_text(ck, good);
    rewrite_checkpoint(ck, damage.edit);
    const auto before = snapshot(run.out);
    ToolResult r = run.train({"--resume", ck});
    std::vector<std::string> parts = {"bcnn-train: error: " + ck + ": "};
    parts.insert(parts.end(), damage.parts.begin(), damage.parts.end());
    expect_refusal(r, parts);
    CHECK(snapshot(run.out) == before);
  }
}

TEST_CASE("bcnn-train: --seed -1 is a usage error and a config seed out of range names its pointer") {
  Run run;
  ToolResult cli = run.train({"--seed", "-1"});
  INFO(cli.err);
  CHECK(cli.status == 2);
  CHECK(contains(cli.err, "--seed"));
  CHECK_FALSE(fs::exists(run.out));
  json c = tiny_config(run.data);
  c["train"]["seed"] = -1;
  ToolResult file = run_train({write_json(run.tmp.file("neg.json"), c), "--out", run.out}, run.tmp.str());
  expect_refusal(file, {"neg.json", "/train/seed", "expected an integer in [0, 9007199254740992]", "found number -1"});
  CHECK_FALSE(fs::exists(run.out));
}

TEST_CASE("bcnn-train: resuming a finished run into a new --out writes its models there and says so") {
  Run run;
  ToolResult first = run.train({});
  INFO(first.err);
  REQUIRE(first.status == 0);
  const auto best_epoch = bcnn::load_model(run.out + "/checkpoint.h5").state.best_epoch;
  const std::string second = run.tmp.file("second");
  ToolResult r = run.train({"--resume", run.out + "/checkpoint.h5"}, second);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(fs::is_regular_file(second + "/last.h5"));
  CHECK(fs::is_regular_file(second + "/best.h5"));
  CHECK(contains(r.err, "models in " + second + ": best.h5, last.h5"));
  CHECK(contains(r.err, "test accuracy of " + second + "/last.h5"));
  // The last model is the checkpoint's parameters.
  auto ck = bcnn::load_model(run.out + "/checkpoint.h5"), last = bcnn::load_model(second + "/last.h5");
  CHECK(std::equal(ck.network->params().begin(), ck.network->params().end(), last.network->params().begin()));
  CHECK(best_epoch >= 1);
  CHECK(read_json_lines(second + "/metrics.jsonl").size() == 2);

  // Without the source's best.h5 (and a best epoch before the last) it says what it lacks.
  const std::string third = run.tmp.file("third");
  fs::remove(run.out + "/best.h5");
  r = run.train({"--resume", run.out + "/checkpoint.h5"}, third);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(fs::is_regular_file(third + "/last.h5"));
  if (best_epoch == 2) {
    CHECK(fs::is_regular_file(third + "/best.h5"));
  } else {
    CHECK_FALSE(fs::exists(third + "/best.h5"));
    CHECK(contains(r.err, "no best.h5: the best epoch (1) was trained before the checkpoint"));
  }
}

TEST_CASE("bcnn-train: temporary files of dead processes are removed from --out and those of live ones kept") {
  Run run;
  fs::create_directories(run.out);
  pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(child > 0);
  int status = 0;
  waitpid(child, &status, 0);  // now `child` is a pid no process has
  const std::string dead = "checkpoint.h5.tmp-" + std::to_string(child);
  const std::string live = "best.h5.tmp-" + std::to_string(getpid());
  write_text(run.out + "/" + dead, "half a checkpoint");
  write_text(run.out + "/" + live, "being written");
  ToolResult r = run.train({"--epochs", "1"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK_FALSE(fs::exists(run.out + "/" + dead));
  CHECK(fs::exists(run.out + "/" + live));
}

TEST_CASE("bcnn-train: SIGTERM and SIGHUP save a checkpoint as Ctrl-C does and exit with 128 + signal") {
  for (const auto& [signal_number, name] : {std::pair{SIGTERM, "SIGTERM"}, std::pair{SIGHUP, "SIGHUP"}}) {
    CAPTURE(name);
    Run run;
    json config = tiny_config(run.data);
    config["train"]["epochs"] = 10000;
    BackgroundTool tool(BCNN_TRAIN_EXE, {write_json(run.tmp.file("long.json"), config), "--out", run.out},
                        run.tmp.str());
    REQUIRE(wait_for_epoch_line(tool));
    tool.send_signal(signal_number);
    ToolResult r = tool.wait(60);
    INFO("stderr:\n", r.err);
    CHECK(r.signal == 0);
    CHECK(r.status == 128 + signal_number);
    CHECK(contains(r.err, std::string("interrupted (") + name + ")"));
    CHECK(contains(r.err, "--resume " + run.out + "/checkpoint.h5"));
    bcnn::LoadedModel ck = bcnn::load_model(run.out + "/checkpoint.h5");
    CHECK(ck.state.epoch >= 1);
  }
}

TEST_CASE("bcnn-train: Ctrl-C during the final evaluation ends with status 130 and complete models") {
  // A small training set and a large test set behind a wide layer: the final evaluation of both
  // models takes far longer than the training epoch, so the signal lands in it.
  Run run(300, 20000);
  json config = tiny_config(run.data);
  config["layers"][1] = {{"type", "dense"}, {"name", "fc1"}, {"units", 2048}};
  config["train"]["epochs"] = 1;
  config["train"]["validation"] = 50;
  BackgroundTool tool(BCNN_TRAIN_EXE, {write_json(run.tmp.file("wide.json"), config), "--out", run.out},
                      run.tmp.str());
  REQUIRE(wait_for_epoch_line(tool));
  tool.send_signal(SIGINT);
  ToolResult r = tool.wait(120);
  INFO("stderr:\n", r.err);
  CHECK(r.signal == 0);
  CHECK(r.status == 130);
  CHECK(contains(r.err, "interrupted (SIGINT)"));
  CHECK(contains(r.err, "the final evaluation was interrupted"));
  for (const char* name : {"best.h5", "last.h5", "checkpoint.h5"}) {
    CAPTURE(name);
    CHECK_NOTHROW(bcnn::load_model(run.out + "/" + name));
  }
}
