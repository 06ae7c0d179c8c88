#pragma once
// Helpers for the end-to-end tests: temporary directories, running bcnn-train and bcnn-eval as
// child processes with captured output and exit status, and a small generated MNIST-format
// dataset on which a tiny network learns within a couple of epochs.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/error.h"

namespace bcnn::testing {

// A fresh directory under the system temp dir (unique name), removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "cli");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  // The path of `name` inside the directory (nothing is created).
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The message of the bcnn::Error that `f` throws; fails the test when it throws nothing or
// something else.
template <class F>
std::string error_message(F&& f);

struct ToolResult {
  int status = -1;        // WEXITSTATUS when the tool exited, -1 otherwise
  int signal = 0;         // the signal that ended it, 0 when it exited
  bool timed_out = false; // killed by the helper after the time limit
  std::string out, err;   // everything written to stdout and stderr
  std::string command;    // for messages
};

// Runs `exe` with `args` in `work_dir` (so that stray relative paths land there), capturing
// stdout and stderr; kills it after `timeout_s`. The capture files live outside `work_dir`.
ToolResult run_tool(const std::string& exe, const std::vector<std::string>& args, const std::string& work_dir,
                    double timeout_s = 120);
ToolResult run_train(const std::vector<std::string>& args, const std::string& work_dir);
ToolResult run_eval(const std::vector<std::string>& args, const std::string& work_dir);
// bcnn-compile, which sits beside bcnn-train in the build tree.
std::string compile_exe();

// A tool started in the background; its output goes to files that can be read while it runs.
class BackgroundTool {
 public:
  BackgroundTool(const std::string& exe, const std::vector<std::string>& args, const std::string& work_dir);
  ~BackgroundTool();  // kills the process when it is still running
  BackgroundTool(const BackgroundTool&) = delete;
  BackgroundTool& operator=(const BackgroundTool&) = delete;

  pid_t pid() const { return pid_; }
  std::string stderr_so_far() const;
  std::string stdout_so_far() const;
  bool running();
  void send_signal(int signal);
  // Waits for the end (killing the process after `timeout_s`) and returns what it did.
  ToolResult wait(double timeout_s = 120);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  std::string command_;
  std::unique_ptr<TempDir> capture_;
};

// Writes an MNIST-layout dataset (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...)
// of 28x28 images in 10 classes: each image is a bright 6x6 square whose position depends on the
// label (jittered by a pixel), on noise. Deterministic for a given seed.
void write_mnist_fixture(const std::string& dir, int train_count, int test_count, std::uint32_t seed = 7);

// Writes a CIFAR-10 binary layout (data_batch_1..5.bin with `per_train_file` records each,
// test_batch.bin with `test_count`) of 32x32 RGB images in 10 classes: each class has its own
// colour, with noise, and a bright 8x8 square whose position depends on the label. Labels cycle
// through the classes. Deterministic for a given seed.
void write_cifar_fixture(const std::string& dir, int per_train_file, int test_count, std::uint32_t seed = 11);

// flatten -> dense(10) on a CIFAR-10 fixture in `data_dir`, with per-channel normalization and
// augmentation (crop padding 4, flips): 40 validation images, 3 epochs of batch 20, seed 5, one
// thread, adam.
nlohmann::json tiny_cifar_config(const std::string& data_dir);

// flatten -> bc_dense(32, block 8) -> relu -> dense(10), trained with adam on `data_dir`
// (600 images: 100 validation), 2 epochs of batch 32, seed 3, one thread.
nlohmann::json tiny_config(const std::string& data_dir);
// The same with a dropout layer after the relu.
nlohmann::json tiny_config_with_dropout(const std::string& data_dir);

void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);
// Writes `config` as JSON to `path` and returns `path`.
std::string write_json(const std::string& path, const nlohmann::json& config);
// One JSON value per non-empty line.
std::vector<nlohmann::json> read_json_lines(const std::string& path);

// Every file and directory below `dir`, as paths relative to it.
std::set<std::string> list_tree(const std::string& dir);

bool contains(const std::string& text, const std::string& part);
// Lines of `text` that contain `part`.
std::vector<std::string> lines_with(const std::string& text, const std::string& part);

template <class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const bcnn::Error& e) {
    return e.what();
  } catch (...) {
    FAIL("threw something other than bcnn::Error");
  }
  FAIL("did not throw");
  return "";
}

}  // namespace bcnn::testing
