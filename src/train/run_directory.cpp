#include "train/run_directory.h"

#include <spdlog/spdlog.h>

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
                                                 "config.json"};
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

int truncate_metrics(const std::string& source, const std::string& path, int completed_epochs) {
  std::map<long, std::string> rows;  // by epoch: the last row written for it
  std::ifstream in(source);
  if (in) {
    std::string line;
    int number = 0, later = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      const auto row = nlohmann::json::parse(line, nullptr, false);
      if (row.is_discarded() || !row.is_object() || !row.contains("epoch") || !row["epoch"].is_number_integer() ||
          row["epoch"].get<long>() < 1) {
        spdlog::warn("{}:{}: dropped a line that is not a metrics row (a JSON object with an integer \"epoch\"): {}",
                     source, number, describe_json(row.is_discarded() ? nlohmann::json(line) : row));
        continue;
      }
      const long epoch = row["epoch"].get<long>();
      if (epoch > completed_epochs) {
        ++later;
        continue;
      }
      rows[epoch] = line;
    }
    if (later > 0)
      spdlog::info("{}: dropped {} row(s) of epochs after the checkpoint's epoch {}; they are trained again", source,
                   later, completed_epochs);
  }
  std::string kept;
  for (const auto& [epoch, line] : rows) kept += line + "\n";
  write_file_atomically(path, kept);
  return static_cast<int>(rows.size());
}

}  // namespace bcnn
