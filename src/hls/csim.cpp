#include "hls/csim.h"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "hls/project.h"

namespace bcnn {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a shell command with its output appended to `log`; returns the exit status.
int run_logged(const std::string& command, const fs::path& log) {
  const int status = std::system((command + " >> " + quoted(log.string()) + " 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error(path.string() + ": cannot write");
}

}  // namespace

CsimResult run_project_csim(const std::string& project_dir, const QuantizedModel& model, const Dataset& data,
                            int images, const std::vector<std::int64_t>& expected_raw, int threads) {
  const fs::path project(project_dir);
  if (!fs::is_regular_file(project / "CMakeLists.txt") || !fs::is_directory(project / "firmware"))
    throw Error(project_dir + ": expected a project written by bcnn-compile (CMakeLists.txt and firmware/), found " +
                (fs::exists(project) ? "another directory" : "nothing"));
  std::string pattern = (fs::temp_directory_path() / "bcnn-csim-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw Error("cannot create a temporary directory for the C simulation");
  const fs::path work(pattern), build = work / "build", tb_data = work / "tb_data", log = work / "csim.log";
  fs::create_directories(tb_data);

  CsimResult r;
  r.images = images;
  auto start = Clock::now();
  const std::string configure = "cmake -S " + quoted(fs::absolute(project).string()) + " -B " + quoted(build.string()) +
                                " -DCMAKE_BUILD_TYPE=Release";
  const std::string compile = "cmake --build " + quoted(build.string()) + " --target bcnn_tb -j" +
                              std::to_string(std::max(1, threads));
  if (run_logged(configure, log) != 0 || run_logged(compile, log) != 0)
    throw Error(project_dir + ": the C simulation did not build; see " + log.string());
  r.build_seconds = std::chrono::duration<double>(Clock::now() - start).count();

  TbFiles files = make_tb_files(model, data, images, expected_raw);
  write_text(tb_data / "inputs.txt", files.inputs);
  write_text(tb_data / "expected.txt", files.expected);
  write_text(tb_data / "labels.txt", files.labels);

  start = Clock::now();
  // Exit status 1 means mismatches (counted below from the outputs); anything else is a failure.
  // The test bench runs images in `threads` threads.
  const int status = run_logged("BCNN_TB_THREADS=" + std::to_string(std::max(1, threads)) + " " +
                                    quoted((build / "bcnn_tb").string()) + " " + quoted(tb_data.string()),
                                log);
  r.run_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (status != 0 && status != 1) throw Error(project_dir + ": the C simulation failed; see " + log.string());

  std::ifstream results(tb_data / "csim_results.txt");
  r.logits_raw.reserve(static_cast<std::size_t>(images) * model.n_out);
  long long v;
  while (results >> v) r.logits_raw.push_back(v);
  if (r.logits_raw.size() != static_cast<std::size_t>(images) * model.n_out)
    throw Error(project_dir + ": expected " + std::to_string(images) + " x " + std::to_string(model.n_out) +
                " outputs from the C simulation, found " + std::to_string(r.logits_raw.size()) + " values; see " +
                log.string());
  int correct = 0;
  for (int i = 0; i < images; ++i) {
    const auto* got = r.logits_raw.data() + static_cast<std::size_t>(i) * model.n_out;
    const auto* want = expected_raw.data() + static_cast<std::size_t>(i) * model.n_out;
    if (!std::equal(got, got + model.n_out, want)) {
      ++r.mismatches;
      if (r.first_mismatch < 0) r.first_mismatch = i;
    }
    correct += static_cast<int>(std::max_element(got, got + model.n_out) - got) == data.labels[i];
  }
  r.accuracy = images ? static_cast<double>(correct) / images : 0.0;
  std::error_code ec;
  fs::remove_all(work, ec);
  return r;
}

}  // namespace bcnn
