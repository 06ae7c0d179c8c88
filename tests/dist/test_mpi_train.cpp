// bcnn-train under mpirun: 2 ranks give the bits of one process with 2 shards; ranks that differ
// are named at start-up; a killed rank ends the job promptly. Runs when bcnn was built with
// Open MPI (BCNN_MPIEXEC); as root, with --allow-run-as-root, on loopback only.
#ifdef BCNN_MPIEXEC
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cli.h"
#include "io/model_file.h"

using namespace bcnn::testing;
using nlohmann::json;

namespace {

// Open MPI as a test needs it: root allowed, more ranks than cores allowed, TCP on loopback only,
// no binding to cores. Under the sanitizer suite (scripts/run_sanitizers.sh) the ranks run without
// LeakSanitizer: Open MPI leaves its own allocations at MPI_Finalize and unloads its components,
// whose frames can then not be named for a suppression; AddressSanitizer and UBSan stay on.
std::vector<std::string> mpirun_args(int ranks) {
  const std::vector<std::string> args = {"--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl",
                                         "self,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca",
                                         "oob_tcp_if_include", "lo", "-np", std::to_string(ranks)};
  // The ranks inherit mpirun's environment, which is this process's (whose own options were read
  // at its start).
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string options = asan ? asan : "";
  if (!options.ends_with("detect_leaks=0"))
    setenv("ASAN_OPTIONS", (options + (options.empty() ? "" : ":") + "detect_leaks=0").c_str(), 1);
  return args;
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
  // 768 channels: its backward sums (2 x 768 doubles) take the reduce-scatter path, not the all-gather.
  layers.insert(layers.begin() + 4, json{{"type", "batchnorm"}, {"name", "wide2_bn"}});
  return c;
}

std::vector<float> params_of(const std::string& path) {
  const bcnn::LoadedModel m = bcnn::load_model(path);
  return {m.network->params().begin(), m.network->params().end()};
}

}  // namespace

TEST_CASE("mpirun -np 2 bcnn-train: the bits of one process with 2 shards, rank 1 stays quiet") {
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
  // Each rank evaluated half of the validation images; the sums are the whole set's.
  const json ranks_row = read_json_lines(tmp.file("ranks") + "/metrics.jsonl").at(0);
  const json shards_row = read_json_lines(tmp.file("shards") + "/metrics.jsonl").at(0);
  CHECK(ranks_row["val_accuracy"] == shards_row["val_accuracy"]);
  CHECK(ranks_row["val_loss"].get<double>() == doctest::Approx(shards_row["val_loss"].get<double>()).epsilon(1e-6));
}

TEST_CASE("mpirun -np 2 bcnn-train --teacher: each rank's teacher logits, the bits of one process with 2 shards") {
  TempDir tmp("mpi-distill");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 400, 100);
  json teacher_config = tiny_config(data);
  teacher_config["train"]["epochs"] = 1;
  ToolResult teacher = run_train({write_json(tmp.file("teacher.json"), teacher_config), "--out", tmp.file("teacher"),
                                  "--quiet"},
                                 tmp.str());
  INFO(teacher.err);
  REQUIRE(teacher.status == 0);
  const std::string teacher_model = tmp.file("teacher") + "/last.h5";

  const std::string path = write_json(tmp.file("net.json"), batchnorm_config(data));
  std::vector<std::string> args = mpirun_args(2);
  for (const std::string& a : {std::string(BCNN_TRAIN_EXE), path, std::string("--out"), tmp.file("ranks"),
                               std::string("--threads"), std::string("1"), std::string("--teacher"), teacher_model})
    args.push_back(a);
  ToolResult mpi = run_tool(BCNN_MPIEXEC, args, tmp.str(), 180);
  INFO(mpi.command, "\n", mpi.err);
  REQUIRE(mpi.status == 0);

  json sharded = batchnorm_config(data);
  sharded["train"]["shards"] = 2;
  ToolResult one = run_train({write_json(tmp.file("sharded.json"), sharded), "--out", tmp.file("shards"), "--threads",
                              "2", "--teacher", teacher_model, "--quiet"},
                             tmp.str());
  INFO(one.err);
  REQUIRE(one.status == 0);
  const std::vector<float> a = params_of(tmp.file("ranks") + "/last.h5"), b = params_of(tmp.file("shards") + "/last.h5");
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  // And the teacher mattered: without it the model differs.
  ToolResult plain = run_train({write_json(tmp.file("sharded.json"), sharded), "--out", tmp.file("plain"), "--threads",
                                "2", "--quiet"},
                               tmp.str());
  REQUIRE(plain.status == 0);
  const std::vector<float> c = params_of(tmp.file("plain") + "/last.h5");
  CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);
}

TEST_CASE("mpirun: a run resumes on another rank count: exactly on the same shards, up to rounding on others") {
  TempDir tmp("mpi-resume");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 400, 100);  // 300 training images: 10 steps per epoch
  json config = batchnorm_config(data);
  config["train"]["epochs"] = 2;
  // SGD: rounding differences stay of their size (Adam's normalization would magnify them in
  // the parameters whose gradients are near zero).
  config["train"]["optimizer"] = {{"type", "sgd"}, {"lr", 0.05}};
  json sharded = config;
  sharded["train"]["shards"] = 2;
  const std::string path = write_json(tmp.file("net.json"), config);
  const std::string sharded_path = write_json(tmp.file("sharded.json"), sharded);
  auto mpi_train = [&](int ranks, std::vector<std::string> extra) {
    std::vector<std::string> args = mpirun_args(ranks);
    args.push_back(BCNN_TRAIN_EXE);
    args.insert(args.end(), extra.begin(), extra.end());
    ToolResult r = run_tool(BCNN_MPIEXEC, args, tmp.str(), 180);
    INFO(r.command, "\n", r.err);
    REQUIRE(r.status == 0);
    return r;
  };
  // The uninterrupted run: one process with 2 shards (the bits of 2 ranks, tested above).
  ToolResult reference = run_train({sharded_path, "--out", tmp.file("reference"), "--threads", "2", "--quiet"},
                                   tmp.str());
  INFO(reference.err);
  REQUIRE(reference.status == 0);
  const std::vector<float> expected = params_of(tmp.file("reference") + "/last.h5");

  // 2 ranks stop inside epoch 2; one process resumes with the run's config.json (2 shards).
  const std::string two = tmp.file("two");
  mpi_train(2, {path, "--out", two, "--threads", "1", "--max-steps", "13"});
  ToolResult one = run_train({two + "/config.json", "--out", two, "--resume", two + "/checkpoint.h5", "--quiet"},
                             tmp.str());
  INFO(one.err);
  REQUIRE(one.status == 0);
  CHECK_FALSE(contains(one.err, "resuming on"));  // the same layout: nothing to say
  const std::vector<float> exact = params_of(two + "/last.h5");
  REQUIRE(exact.size() == expected.size());
  CHECK(std::memcmp(exact.data(), expected.data(), exact.size() * sizeof(float)) == 0);
  CHECK(read_json_lines(two + "/metrics.jsonl").size() == 2);

  // One process with 2 shards stops; 4 ranks resume: the same run up to rounding, and said so.
  const std::string four = tmp.file("four");
  ToolResult start = run_train({sharded_path, "--out", four, "--threads", "2", "--max-steps", "13", "--quiet"},
                               tmp.str());
  INFO(start.err);
  REQUIRE(start.status == 0);
  ToolResult resumed = mpi_train(4, {path, "--out", four, "--threads", "1", "--resume", four + "/checkpoint.h5"});
  CHECK(contains(resumed.err, "resuming on 4 shards of 1 thread (2 shards of 1 thread in the checkpoint)"));
  const std::vector<float> close = params_of(four + "/last.h5");
  REQUIRE(close.size() == expected.size());
  double largest = 0, difference = 0;
  for (std::size_t i = 0; i < close.size(); ++i) {
    largest = std::max(largest, static_cast<double>(std::abs(expected[i])));
    difference = std::max(difference, static_cast<double>(std::abs(close[i] - expected[i])));
  }
  CAPTURE(difference);
  CAPTURE(largest);
  CHECK(difference < 1e-4 * largest);
  CHECK(read_json_lines(four + "/metrics.jsonl").size() == 2);
  CHECK(bcnn::load_model(four + "/last.h5").config.at("train").at("shards") == 4);
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

TEST_CASE("mpirun: ranks may read their data from different paths, different or unreadable data is named by rank 0") {
  TempDir tmp("mpi-data");
  const std::string data = tmp.file("data"), copy = tmp.file("copy"), other = tmp.file("other");
  write_mnist_fixture(data, 400, 100);
  std::filesystem::copy(data, copy);
  std::filesystem::copy(data, other);
  const std::string images = other + "/train-images-idx3-ubyte";
  std::string bytes = read_text(images);
  bytes[16 + 300] = static_cast<char>(bytes[16 + 300] ^ 0x20);
  write_text(images, bytes);
  const std::string path = write_json(tmp.file("net.json"), batchnorm_config(data));
  auto two_ranks = [&](const std::string& second_data, const std::string& out) {
    std::vector<std::string> args = mpirun_args(1);
    for (const std::string& s : {std::string(BCNN_TRAIN_EXE), path, std::string("--out"), out, std::string(":"),
                                 std::string("-np"), std::string("1"), std::string(BCNN_TRAIN_EXE), path,
                                 std::string("--data"), second_data, std::string("--out"), out})
      args.push_back(s);
    return run_tool(BCNN_MPIEXEC, args, tmp.str(), 120);
  };
  ToolResult same = two_ranks(copy, tmp.file("same"));
  INFO(same.err);
  CHECK(same.status == 0);
  CHECK(std::filesystem::exists(tmp.file("same") + "/last.h5"));
  ToolResult differ = two_ranks(other, tmp.file("differ"));
  INFO(differ.err);
  CHECK(differ.status != 0);
  CHECK(contains(differ.err, "rank 1 of the MPI job differs from rank 0 in its data"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("differ")));
  // A rank that cannot read its data: rank 0 names it and its error, at once; nothing is written.
  const auto start = std::chrono::steady_clock::now();
  ToolResult missing = two_ranks(tmp.file("nowhere"), tmp.file("missing"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(missing.err);
  CHECK(missing.status != 0);
  CHECK(lines_with(missing.err, "bcnn-train: error: rank 1 of the MPI job cannot start: " + tmp.file("nowhere")).size() ==
        1);
  CHECK_FALSE(contains(missing.err, "bcnn-train (rank 1)"));
  CHECK(seconds < 30);
  CHECK_FALSE(std::filesystem::exists(tmp.file("missing")));
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
  // Wait until the run has written its first checkpoint (both ranks are training), then kill rank 1.
  for (int i = 0; i < 600 && !std::filesystem::exists(tmp.file("run") + "/checkpoint.h5"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(std::filesystem::exists(tmp.file("run") + "/checkpoint.h5"));
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
  // Open MPI's launcher names the rank and how it ended; rank 0, ended by the launcher while it
  // waits for the dead rank, says where the run can continue from.
  CHECK(contains(r.err, "process rank 1"));
  CHECK(contains(r.err, "exited on signal 9"));
  const std::string checkpoint = tmp.file("run") + "/checkpoint.h5";
  const std::vector<std::string> notice = lines_with(r.err, "bcnn-train: SIGTERM: the MPI job is ending");
  REQUIRE(notice.size() == 1);
  CHECK_FALSE(contains(r.err, "bcnn-train (rank"));
  // The checkpoint it names (there was one before the kill) is whole, written atomically: it loads.
  CHECK(contains(notice[0], "the last complete checkpoint is " + checkpoint + " (step "));
  CHECK(contains(notice[0], "continue with --resume " + checkpoint));
  CHECK_NOTHROW(bcnn::load_model(checkpoint));
}
#endif
