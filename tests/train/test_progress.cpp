// The progress line of long loops (train/progress.h), as written to a log (stderr not a terminal).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "cli.h"
#include "train/progress.h"

namespace {

// Runs `body` with stderr sent to a file and returns what it wrote.
template <class F>
std::string capture_stderr(const std::string& path, F body) {
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  dup2(fileno(file), STDERR_FILENO);
  body();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fclose(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("progress: format_duration") {
  CHECK(bcnn::format_duration(0) == "0:00");
  CHECK(bcnn::format_duration(61.4) == "1:01");
  CHECK(bcnn::format_duration(3725) == "1:02:05");
  CHECK(bcnn::format_duration(-1) == "--:--");
}

TEST_CASE("progress: a log line gives done/total, metrics, rate, the ETA of the bar and of the whole run") {
  bcnn::testing::TempDir dir("progress");
  const std::string text = capture_stderr(dir.file("log.txt"), [] {
    bcnn::ProgressBar bar("epoch 1/3", 10, /*log_interval_s=*/0.0);
    bar.set_later(20);  // two more epochs of 10 steps
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    bar.update(5, "loss 1.0000", 123.0);
  });
  INFO(text);
  // 5 of 10 steps in t >= 0.2 s: t left in this bar, 5 t (25 steps) in the run.
  CHECK(text.rfind("epoch 1/3 [", 0) == 0);
  const auto at = text.find("] 5/10 loss 1.0000 123 img/s ETA ");
  REQUIRE(at != std::string::npos);
  int eta_m = -1, eta_s = -1, run_m = -1, run_s = -1;
  REQUIRE(std::sscanf(text.c_str() + at, "] 5/10 loss 1.0000 123 img/s ETA %d:%d (run %d:%d)", &eta_m, &eta_s, &run_m,
                      &run_s) == 4);
  const int eta = eta_m * 60 + eta_s, run = run_m * 60 + run_s;
  CHECK(run >= 1);
  CHECK(run >= 5 * eta - 3);
  CHECK(run <= 5 * eta + 3);
  CHECK(text.back() == '\n');
}

TEST_CASE("progress: without later items there is no run ETA") {
  bcnn::testing::TempDir dir("progress");
  const std::string text = capture_stderr(dir.file("log.txt"), [] {
    bcnn::ProgressBar bar("evaluating", 4, 0.0);
    bar.update(1, "", 10.0);
  });
  CHECK(text.find("ETA") != std::string::npos);
  CHECK(text.find("(run") == std::string::npos);
}
