#pragma once
// Output helpers shared by the benchmark programs.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace bench {

// Fails before any timing, rather than after it, when the results could not be written.
inline void check_output_folder(const std::string& path) {
  if (path.empty()) return;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    throw bcnn::Error("--json " + path + ": folder " + parent.string() + " does not exist");
}

// Temporary file beside the target, then rename: a failed run leaves no partial output.
inline void write_json_atomically(const std::string& path, const nlohmann::json& value) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << value.dump(2) << '\n';
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw bcnn::Error("--json " + path + ": cannot write " + temporary);
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw bcnn::Error("--json " + path + ": cannot rename the temporary file into place");
  }
}

}  // namespace bench
