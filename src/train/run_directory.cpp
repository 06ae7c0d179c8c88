#include "train/run_directory.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/durable_file.h"
#include "net/json_reader.h"

namespace bcnn {

const std::vector<std::string>& run_file_names() {
  static const std::vector<std::string> names = {"checkpoint.h5", "best.h5", "last.h5", "metrics.jsonl",
                                                 "curves.svg",    "config.json"};
  return names;
}

std::vector<std::string> existing_run_files(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& name : run_file_names()) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(dir) / name, ec)) found.push_back(name);
  }
  return found;
}

namespace {

struct MetricsRow {
  std::string line;
  nlohmann::json row;
};

// The metrics rows of `in` by epoch, the last one of a repeated epoch; lines that are not a JSON
// object with an integer "epoch" of at least 1 (torn by a kill) dropped with a warning.
std::map<long, MetricsRow> metrics_rows(std::istream& in, const std::string& source) {
  std::map<long, MetricsRow> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_discarded() || !row.is_object() || !row.contains("epoch") || !row["epoch"].is_number_integer() ||
        row["epoch"].get<long>() < 1) {
      spdlog::warn("{}:{}: dropped a line that is not a metrics row (a JSON object with an integer \"epoch\"): {}",
                   source, number, describe_json(row.is_discarded() ? nlohmann::json(line) : row));
      continue;
    }
    const long epoch = row["epoch"].get<long>();
    rows[epoch] = MetricsRow{line, std::move(row)};
  }
  return rows;
}

}  // namespace

int truncate_metrics(const std::string& source, const std::string& path, int completed_epochs) {
  std::map<long, MetricsRow> rows;
  if (std::ifstream in(source); in) rows = metrics_rows(in, source);
  std::string kept;
  int later = 0;
  for (const auto& [epoch, row] : rows) {
    if (epoch > completed_epochs)
      ++later;
    else
      kept += row.line + "\n";
  }
  if (later > 0)
    spdlog::info("{}: dropped {} row(s) of epochs after the checkpoint's epoch {}; they are trained again", source,
                 later, completed_epochs);
  write_file_atomically(path, kept);
  return static_cast<int>(rows.size()) - later;
}

std::vector<nlohmann::json> read_metrics(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read the metrics: " + std::strerror(errno));
  std::vector<nlohmann::json> rows;
  for (auto& [epoch, row] : metrics_rows(in, path)) rows.push_back(std::move(row.row));
  return rows;
}

}  // namespace bcnn
