// bcnn-plot: the training curves of several runs on one chart (their metrics.jsonl), for comparison.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tool_main.h"
#include "core/version.h"
#include "io/durable_file.h"
#include "plot/training_curves.h"
#include "train/run_directory.h"

namespace {

// A run directory stands for its metrics.jsonl.
std::string metrics_file(const std::string& run) {
  std::error_code ec;
  if (!std::filesystem::exists(run, ec))
    throw bcnn::Error(run + ": no such run directory or metrics.jsonl (expected a bcnn-train --out directory)");
  return std::filesystem::is_directory(run, ec) ? (std::filesystem::path(run) / "metrics.jsonl").string() : run;
}

// The run's name in the legends: its directory's name (the directory given, or the one holding
// the metrics.jsonl given).
std::string run_name(const std::string& run) {
  std::filesystem::path path = std::filesystem::path(run).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) path = path.parent_path();
  const std::string name = path.filename().string();
  return name.empty() || name == "." ? run : name;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Draw the training curves of several bcnn-train runs on one SVG chart: validation accuracy and "
               "loss, training loss and learning rate against epoch",
               "bcnn-plot"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::vector<std::string> runs, names;
  std::string output, title = "Training runs compared";
  bool force = false;
  app.add_option("runs", runs, "Run directories (bcnn-train --out) or their metrics.jsonl files")->required();
  app.add_option("-o,--output", output, "SVG file to write")->required();
  app.add_option("--name", names, "A legend name per run, in the order of the runs (default: the directories' names)");
  app.add_option("--title", title, "The chart's title")->capture_default_str();
  app.add_flag("--force", force, "Replace an existing output file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  return bcnn::run_tool_main("bcnn-plot", "", [&]() -> int {
    if (!names.empty() && names.size() != runs.size())
      throw bcnn::Error("--name: expected one name per run (" + std::to_string(runs.size()) + "), found " +
                        std::to_string(names.size()));
    std::error_code ec;
    if (std::filesystem::exists(output, ec) && !force)
      throw bcnn::Error(output + ": exists; choose another output file or pass --force to replace it");
    std::vector<bcnn::plot::RunCurves> curves;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::string path = metrics_file(runs[i]);
      bcnn::plot::RunCurves run{names.empty() ? run_name(runs[i]) : names[i], bcnn::read_metrics(path)};
      if (run.rows.empty())
        throw bcnn::Error(path + ": holds no metrics rows (expected one per finished epoch; the run has not finished "
                                 "an epoch)");
      // Two runs of the same name (runs/a/x and runs/b/x) are told apart by their paths.
      if (!seen.insert(run.name).second) run.name = runs[i];
      curves.push_back(std::move(run));
    }
    bcnn::write_file_atomically(output, bcnn::plot::compare_runs_svg(curves, title));
    std::printf("bcnn-plot: wrote %s (%zu runs)\n", output.c_str(), curves.size());
    return 0;
  });
}
