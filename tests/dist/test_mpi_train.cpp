// bcnn-train under mpirun: 2 ranks give the bits of one process with 2 shards; ranks that differ
// are named at start-up; a killed rank ends the job promptly. Runs when bcnn was built with
// Open MPI (BCNN_MPIEXEC); as root, with --allow-run-as-root, on loopback only.
#ifdef BCNN_MPIEXEC
#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cli.h"
#include "io/model_file.h"

using namespace bcnn::testing;
using nlohmann::json;

namespace {

// Open MPI as a test needs it: root allowed, more ranks than cores allowed, TCP on loopback only,
// no binding to cores.
std::vector<std::string> mpirun_args(int ranks) {
  return {"--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,tcp", "--mca",
          "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo", "-np", std::to_string(ranks)};
}

// The tiny MLP with batchnorm and dropout (the kinds whose training depends on the batch).
json batchnorm_config(const std::string& data) {
  json c = tiny_config(data);
  auto& layers = c["layers"];
  layers.insert(layers.begin() + 2, json{{"type", "batchnorm"}, {"name", "bn1"}});
  layers.insert(layers.begin() + 4, json{{"type", "dropout"}, {"name", "drop1"}, {"rate", 0.25}});
  c["train"]["epochs"] = 1;
  return c;
}

// The same with two wide layers in front, so that the gradients travel in several buckets
// (ShardedStep::bucket_values) while the backward pass goes on.
json bucketed_config(const std::string& data) {
  json c = batchnorm_config(data);
  auto& layers = c["layers"];
  layers.insert(layers.begin() + 1, json{{"type", "dense"}, {"name", "wide1"}, {"units", 96}});
  layers.insert(layers.begin() + 2, json{{"type", "relu"}, {"name", "wide1_relu"}});
  layers.insert(layers.begin() + 3, json{{"type", "dense"}, {"name", "wide2"}, {"units", 768}});
  return c;
}

std::vector<float> params_of(const std::string& path) {
  const bcnn::LoadedModel m = bcnn::load_model(path);
  return {m.network->params().begin(), m.network->params().end()};
}

}  // namespace

TEST_CASE("mpirun -np 2 bcnn-train: the bits of one process with 2 shards; rank 1 stays quiet") {
  TempDir tmp("mpi-train");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 400, 100);
  // 75,264 + 74,496 weights in the wide layers: three buckets.
  const std::string path = write_json(tmp.file("net.json"), bucketed_config(data));

  std::vector<std::string> args = mpirun_args(2);
  for (const char* a : {BCNN_TRAIN_EXE, "NET", "--out", "OUT", "--threads", "1"}) args.push_back(a);
  args[args.size() - 5] = path;
  args[args.size() - 3] = tmp.file("ranks");
  ToolResult mpi = run_tool(BCNN_MPIEXEC, args, tmp.str(), 180);
  INFO(mpi.command, "\n", mpi.err, mpi.out);
  REQUIRE(mpi.status == 0);
  CHECK_FALSE(contains(mpi.err, "rank 1"));
  CHECK(lines_with(mpi.err, "best validation accuracy").size() == 1);  // one report, rank 0's
  CHECK(lines_with(mpi.err, "2 ranks: ").size() == 1);                 // the communication time

  json sharded = bucketed_config(data);
  sharded["train"]["shards"] = 2;
  const std::string sharded_path = write_json(tmp.file("sharded.json"), sharded);
  ToolResult one = run_train({sharded_path, "--out", tmp.file("shards"), "--threads", "2", "--quiet"}, tmp.str());
  INFO(one.err);
  REQUIRE(one.status == 0);

  const std::vector<float> a = params_of(tmp.file("ranks") + "/last.h5"), b = params_of(tmp.file("shards") + "/last.h5");
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  CHECK(bcnn::load_model(tmp.file("ranks") + "/last.h5").config.at("train").at("shards") == 2);
}

TEST_CASE("mpirun: ranks with different configurations are named at start-up, nothing is written") {
  TempDir tmp("mpi-mismatch");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 400, 100);
  json config = batchnorm_config(data);
  const std::string a = write_json(tmp.file("a.json"), config);
  config["train"]["seed"] = 4;
  const std::string b = write_json(tmp.file("b.json"), config);
  // Open MPI's MPMD form: rank 0 runs a.json, rank 1 b.json.
  std::vector<std::string> args = mpirun_args(1);
  for (const std::string& s : {std::string(BCNN_TRAIN_EXE), a, std::string("--out"), tmp.file("run"), std::string(":"),
                               std::string("-np"), std::string("1"), std::string(BCNN_TRAIN_EXE), b,
                               std::string("--out"), tmp.file("run")})
    args.push_back(s);
  ToolResult r = run_tool(BCNN_MPIEXEC, args, tmp.str(), 120);
  INFO(r.command, "\n", r.err);
  CHECK(r.status != 0);
  CHECK(contains(r.err, "rank 1 of the MPI job differs from rank 0 in its configuration at /train/seed"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("run")));
}

TEST_CASE("mpirun: a killed rank ends the whole job within 30 s") {
  TempDir tmp("mpi-kill");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 2000, 100);
  json config = batchnorm_config(data);
  config["train"]["epochs"] = 200;  // far longer than the test
  config["train"]["batch"] = 8;
  const std::string path = write_json(tmp.file("net.json"), config);
  // Rank 1 carries a marker in its environment, so that it alone can be found and killed.
  std::vector<std::string> args = mpirun_args(1);
  for (const std::string& s : {std::string(BCNN_TRAIN_EXE), path, std::string("--out"), tmp.file("run"),
                               std::string(":"), std::string("-np"), std::string("1"), std::string("-x"),
                               std::string("BCNN_TEST_VICTIM=1"), std::string(BCNN_TRAIN_EXE), path,
                               std::string("--out"), tmp.file("run")})
    args.push_back(s);
  BackgroundTool job(BCNN_MPIEXEC, args, tmp.str());
  // Wait until the run has written its first files (both ranks are training), then kill rank 1.
  for (int i = 0; i < 600 && !std::filesystem::exists(tmp.file("run") + "/metrics.jsonl"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(std::filesystem::exists(tmp.file("run") + "/metrics.jsonl"));
  ToolResult kill = run_tool("/bin/sh",
                             {"-c", "for p in $(pgrep -f bcnn-train); do "
                                    "if tr '\\0' '\\n' < /proc/$p/environ | grep -qx BCNN_TEST_VICTIM=1; then "
                                    "kill -9 $p && echo killed $p; fi; done"},
                             tmp.str(), 30);
  INFO(kill.out, kill.err);
  REQUIRE(contains(kill.out, "killed"));
  const auto start = std::chrono::steady_clock::now();
  ToolResult r = job.wait(60);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.err);
  CHECK(r.status != 0);
  CHECK(seconds < 30);
  // The checkpoint, when there is one, is whole (written atomically): it loads.
  if (std::filesystem::exists(tmp.file("run") + "/checkpoint.h5"))
    CHECK_NOTHROW(bcnn::load_model(tmp.file("run") + "/checkpoint.h5"));
}
#endif
