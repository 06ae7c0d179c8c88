#include "cli.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "data/cifar.h"
#include "data/idx.h"

namespace bcnn::testing {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Starts `exe args...` in `work_dir` with stdout/stderr sent to the given files. Everything the
// child needs is prepared before fork(): after it, only async-signal-safe calls are made.
pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const std::string& work_dir,
            const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> storage;
  storage.push_back(exe);
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  const char* dir = work_dir.c_str();
  const char* out = out_path.c_str();
  const char* err = err_path.c_str();

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_fd = open("/dev/null", O_RDONLY);
    if (out_fd < 0 || err_fd < 0 || null_fd < 0) _exit(126);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    if (chdir(dir) != 0) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Polls for the end of `pid`; kills it after `timeout_s`. Returns the wait status.
int wait_for(pid_t pid, double timeout_s, bool& timed_out) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) throw std::runtime_error("waitpid failed");
    if (Clock::now() > deadline) {
      timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string join_command(const std::string& exe, const std::vector<std::string>& args) {
  std::string s = exe;
  for (const auto& a : args) s += " " + a;
  return s;
}

void fill_result(ToolResult& r, int wait_status) {
  if (WIFEXITED(wait_status)) r.status = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) r.signal = WTERMSIG(wait_status);
}

}  // namespace

TempDir::TempDir(const std::string& tag) {
  std::string pattern = (fs::temp_directory_path() / ("bcnn-test-" + tag + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

ToolResult run_tool(const std::string& exe, const std::vector<std::string>& args, const std::string& work_dir,
                    double timeout_s) {
  TempDir capture("capture");
  ToolResult r;
  r.command = join_command(exe, args);
  pid_t pid = spawn(exe, args, work_dir, capture.file("stdout"), capture.file("stderr"));
  int status = wait_for(pid, timeout_s, r.timed_out);
  fill_result(r, status);
  r.out = read_text(capture.file("stdout"));
  r.err = read_text(capture.file("stderr"));
  return r;
}

ToolResult run_train(const std::vector<std::string>& args, const std::string& work_dir) {
  return run_tool(BCNN_TRAIN_EXE, args, work_dir);
}

ToolResult run_eval(const std::vector<std::string>& args, const std::string& work_dir) {
  return run_tool(BCNN_EVAL_EXE, args, work_dir);
}

std::string compile_exe() {
  const std::string train = BCNN_TRAIN_EXE;
  const auto slash = train.rfind('/');
  return (slash == std::string::npos ? std::string() : train.substr(0, slash + 1)) + "bcnn-compile";
}

BackgroundTool::BackgroundTool(const std::string& exe, const std::vector<std::string>& args,
                               const std::string& work_dir)
    : command_(join_command(exe, args)), capture_(std::make_unique<TempDir>("capture")) {
  pid_ = spawn(exe, args, work_dir, capture_->file("stdout"), capture_->file("stderr"));
}

BackgroundTool::~BackgroundTool() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &wait_status_, 0);
  }
}

std::string BackgroundTool::stderr_so_far() const { return read_text(capture_->file("stderr")); }
std::string BackgroundTool::stdout_so_far() const { return read_text(capture_->file("stdout")); }

bool BackgroundTool::running() {
  if (reaped_) return false;
  pid_t r = waitpid(pid_, &wait_status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

void BackgroundTool::send_signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

ToolResult BackgroundTool::wait(double timeout_s) {
  ToolResult r;
  r.command = command_;
  if (!reaped_) {
    wait_status_ = wait_for(pid_, timeout_s, r.timed_out);
    reaped_ = true;
  }
  fill_result(r, wait_status_);
  r.out = read_text(capture_->file("stdout"));
  r.err = read_text(capture_->file("stderr"));
  return r;
}

void write_mnist_fixture(const std::string& dir, int train_count, int test_count, std::uint32_t seed) {
  fs::create_directories(dir);
  std::mt19937 rng(seed);  // the engine's output is fixed by the standard; distributions are not
  auto below = [&](std::uint32_t n) { return static_cast<int>(rng() % n); };
  auto make = [&](const std::string& prefix, int count) {
    constexpr int side = 28;
    IdxArray images{{static_cast<std::uint32_t>(count), side, side}, {}};
    IdxArray labels{{static_cast<std::uint32_t>(count)}, {}};
    images.data.resize(static_cast<std::size_t>(count) * side * side);
    for (int i = 0; i < count; ++i) {
      const int label = below(10);
      labels.data.push_back(static_cast<std::uint8_t>(label));
      std::uint8_t* image = images.data.data() + static_cast<std::size_t>(i) * side * side;
      for (int p = 0; p < side * side; ++p) image[p] = static_cast<std::uint8_t>(below(48));
      const int row = 3 + (label / 5) * 13 + below(3) - 1;  // rows 2..17
      const int col = 2 + (label % 5) * 5 + below(3) - 1;   // cols 1..23
      for (int r = row; r < row + 6; ++r)
        for (int c = col; c < col + 6; ++c) image[r * side + c] = static_cast<std::uint8_t>(200 + below(56));
    }
    write_idx((fs::path(dir) / (prefix + "-images-idx3-ubyte")).string(), images);
    write_idx((fs::path(dir) / (prefix + "-labels-idx1-ubyte")).string(), labels);
  };
  make("train", train_count);
  make("t10k", test_count);
}

void write_cifar_fixture(const std::string& dir, int per_train_file, int test_count, std::uint32_t seed) {
  fs::create_directories(dir);
  std::mt19937 rng(seed);
  auto below = [&](std::uint32_t n) { return static_cast<int>(rng() % n); };
  constexpr int side = 32, plane = side * side;
  auto make = [&](const std::string& name, int count) {
    std::vector<std::uint8_t> labels, pixels(static_cast<std::size_t>(count) * 3 * plane);
    for (int i = 0; i < count; ++i) {
      const int label = (i + below(2)) % 10;
      labels.push_back(static_cast<std::uint8_t>(label));
      std::uint8_t* image = pixels.data() + static_cast<std::size_t>(i) * 3 * plane;
      const int colour[3] = {30 + 40 * (label % 5), 30 + 90 * (label / 5), 200 - 35 * (label % 5)};
      const int row = 2 + (label / 5) * 14, col = 2 + (label % 5) * 5;
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < side; ++y)
          for (int x = 0; x < side; ++x) {
            const bool square = y >= row && y < row + 8 && x >= col && x < col + 8;
            const int v = square ? 255 - below(16) : colour[c] + below(41) - 20;
            image[c * plane + y * side + x] = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
          }
    }
    write_cifar_batch((fs::path(dir) / name).string(), labels, pixels);
  };
  for (int b = 1; b <= 5; ++b) make("data_batch_" + std::to_string(b) + ".bin", per_train_file);
  make("test_batch.bin", test_count);
}

nlohmann::json tiny_cifar_config(const std::string& data_dir) {
  return {
      {"format", "bcnn-network"},
      {"version", 1},
      {"description", "tiny cifar test network"},
      {"input", {3, 32, 32}},
      {"layers", {{{"type", "flatten"}, {"name", "flatten"}}, {{"type", "dense"}, {"name", "fc"}, {"units", 10}}}},
      {"train",
       {{"dataset", "cifar10"},
        {"data", data_dir},
        {"validation", 40},
        {"epochs", 3},
        {"batch", 20},
        {"seed", 5},
        {"threads", 1},
        {"calibration_images", 50},
        {"normalize", {{"mean", {0.45, 0.5, 0.55}}, {"std", {0.25, 0.3, 0.2}}}},
        {"augment", {{"crop_padding", 4}, {"flip", true}}},
        {"optimizer", {{"type", "adam"}, {"lr", 0.002}}}}}};
}

nlohmann::json tiny_config(const std::string& data_dir) {
  return {
      {"format", "bcnn-network"},
      {"version", 1},
      {"description", "tiny test network"},
      {"input", {1, 28, 28}},
      {"layers",
       {{{"type", "flatten"}, {"name", "flatten"}},
        {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 32}, {"block", 8}},
        {{"type", "relu"}, {"name", "relu1"}},
        {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}}},
      {"train",
       {{"dataset", "mnist"},
        {"data", data_dir},
        {"validation", 100},
        {"epochs", 2},
        {"batch", 32},
        {"seed", 3},
        {"threads", 1},
        {"calibration_images", 100},
        {"optimizer", {{"type", "adam"}, {"lr", 0.01}}}}}};
}

nlohmann::json tiny_config_with_dropout(const std::string& data_dir) {
  nlohmann::json c = tiny_config(data_dir);
  auto& layers = c["layers"];
  layers.insert(layers.begin() + 3, nlohmann::json::object({{"type", "dropout"}, {"name", "drop1"}, {"rate", 0.25}}));
  return c;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string write_json(const std::string& path, const nlohmann::json& config) {
  write_text(path, config.dump(2) + "\n");
  return path;
}

std::vector<nlohmann::json> read_json_lines(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

std::set<std::string> list_tree(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    names.insert(fs::relative(it->path(), dir).string());
  return names;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> lines_with(const std::string& text, const std::string& part) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (contains(line, part)) out.push_back(line);
  return out;
}

}  // namespace bcnn::testing
