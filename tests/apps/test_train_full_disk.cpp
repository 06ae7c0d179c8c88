// bcnn-train on a full disk (a small tmpfs; needs root, as CI runs): the write that fails ends the
// run with status 1 and a message naming the file and "No space left on device"; the previous
// checkpoint, models, config.json and metrics.jsonl stay byte for byte; no temporary file stays;
// nothing crashes at exit. Without root, a file-size limit (EFBIG) takes the same failing paths.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "cli.h"
#include "full_disk.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;

const char* const run_files[] = {"checkpoint.h5", "best.h5", "last.h5", "config.json", "metrics.jsonl"};

std::map<std::string, std::string> snapshot(const std::string& run) {
  std::map<std::string, std::string> bytes;
  for (const char* name : run_files) bytes[name] = read_text(run + "/" + name);
  return bytes;
}

void check_failed_cleanly(const ToolResult& r, const std::string& run, const std::map<std::string, std::string>& before,
                          const std::string& failing_file, bool metrics_may_grow = false,
                          const std::string& cause = "No space left on device") {
  INFO(r.command, "\nstderr:\n", r.err);
  CHECK(r.signal == 0);  // no crash (HDF5's exit handler once segfaulted here)
  CHECK_FALSE(r.timed_out);
  CHECK(r.status == 1);
  CHECK(contains(r.err, "bcnn-train: error: "));
  CHECK(contains(r.err, failing_file));
  CHECK(contains(r.err, cause));
  for (const char* name : run_files) {
    if (metrics_may_grow && std::string(name) == "metrics.jsonl") {
      // A whole line for the finished epoch may have gone in before a model write failed.
      const std::string now = read_text(run + "/" + name);
      CHECK(now.compare(0, before.at(name).size(), before.at(name)) == 0);
      CHECK((now.empty() || now.back() == '\n'));
      for (const auto& line : read_json_lines(run + "/" + name)) CHECK(line.is_object());
      continue;
    }
    CHECK_MESSAGE(read_text(run + "/" + name) == before.at(name), name);
  }
  for (const auto& name : list_tree(run)) CHECK_MESSAGE(name.find(".tmp-") == std::string::npos, name);
}

}  // namespace

TEST_CASE("bcnn-train: a full disk during a checkpoint keeps the previous files and exits 1 naming the file") {
  TempDir tmp("train-full-disk");
  SmallTmpfs disk(tmp.file("disk"), 2 * 1024 * 1024);
  if (!disk.mounted()) {
    MESSAGE("skipped: cannot mount a tmpfs here (" << disk.why_not() << "); run the suite as root to test a full disk");
    return;
  }
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 100);
  const std::string config = write_json(tmp.file("net.json"), tiny_config(data));
  const std::string run = tmp.file("disk/run");

  // 16 steps per epoch: step 20 is in the second epoch, after a full set of files.
  {
    ToolResult r = run_train({config, "--out", run, "--max-steps", "20", "--quiet"}, tmp.str());
    INFO(r.command, "\nstderr:\n", r.err);
    REQUIRE(r.status == 0);
  }
  const auto before = snapshot(run);
  const auto checkpoint_bytes = before.at("checkpoint.h5").size();
  REQUIRE(checkpoint_bytes > 16 * 1024);

  SUBCASE("the checkpoint write fails") {
    // Room for metrics.jsonl and config.json to be rewritten on resume (a page each, given back at
    // the rename), not for the next checkpoint.
    fill_disk(tmp.file("disk"), 12 * 1024);
    ToolResult r = run_train({config, "--out", run, "--resume", run + "/checkpoint.h5", "--max-steps", "22", "--quiet"},
                             tmp.str());
    check_failed_cleanly(r, run, before, run + "/checkpoint.h5");
  }
  SUBCASE("nothing can be written at all") {
    fill_disk(tmp.file("disk"), 0);
    ToolResult r = run_train({config, "--out", run, "--resume", run + "/checkpoint.h5", "--max-steps", "22", "--quiet"},
                             tmp.str());
    check_failed_cleanly(r, run, before, run + "/");
  }
  SUBCASE("the end of an epoch: metrics, last.h5, best.h5") {
    // Enough for the resume's rewrites and the metrics line, not for a model file.
    fill_disk(tmp.file("disk"), 12 * 1024);
    ToolResult r = run_train({config, "--out", run, "--resume", run + "/checkpoint.h5", "--quiet"}, tmp.str());
    check_failed_cleanly(r, run, before, run + "/", /*metrics_may_grow=*/true);
  }
}

TEST_CASE("bcnn-train: a file-size limit during a checkpoint fails the same way (no root needed)") {
  TempDir tmp("train-fsize");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 100);
  const std::string config = write_json(tmp.file("net.json"), tiny_config(data));
  const std::string run = tmp.file("run");
  {
    ToolResult r = run_train({config, "--out", run, "--max-steps", "20", "--quiet"}, tmp.str());
    INFO(r.command, "\nstderr:\n", r.err);
    REQUIRE(r.status == 0);
  }
  const auto before = snapshot(run);
  REQUIRE(before.at("checkpoint.h5").size() > 16 * 1024);

  // The child inherits the limit and the ignored SIGXFSZ: writing past 12 KiB fails with EFBIG,
  // so config.json and metrics.jsonl can be rewritten and the checkpoint cannot.
  const ToolResult r = [&] {
    FileSizeLimit limit(12 * 1024);
    return run_train({config, "--out", run, "--resume", run + "/checkpoint.h5", "--max-steps", "22", "--quiet"},
                     tmp.str());
  }();
  check_failed_cleanly(r, run, before, run + "/checkpoint.h5", false, "File too large");
}
