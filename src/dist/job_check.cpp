#include "dist/job_check.h"

#include <fstream>
#include <iterator>
#include <vector>

#include "core/error.h"
#include "core/strings.h"
#include "train/resume_check.h"

namespace bcnn {

std::string file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable";
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes_fingerprint(bytes.data(), bytes.size());
}

void check_same_job(Communicator& comm, const nlohmann::json& resolved_config, const std::string& data_fingerprint,
                    const std::string& startup_error) {
  // The data's path may differ between machines; its contents are compared by their fingerprint.
  nlohmann::json config = resolved_config;
  if (config.contains("train") && config["train"].is_object()) config["train"].erase("data");
  const nlohmann::json mine = {{"binary", file_fingerprint("/proc/self/exe")},
                               {"config", config},
                               {"data", data_fingerprint},
                               {"error", startup_error}};
  const std::vector<std::string> all =
      comm.gather(mine.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  for (std::size_t r = 0; r < all.size(); ++r) {
    const std::string error = nlohmann::json::parse(all[r]).at("error").get<std::string>();
    if (error.empty()) continue;
    throw Error(r == 0 ? error : "rank " + std::to_string(r) + " of the MPI job cannot start: " + error);
  }
  const nlohmann::json first = nlohmann::json::parse(all[0]);
  for (std::size_t r = 1; r < all.size(); ++r) {
    const nlohmann::json other = nlohmann::json::parse(all[r]);
    std::vector<std::string> differences;
    if (other["binary"] != first["binary"])
      differences.push_back("its bcnn-train binary (" + other["binary"].get<std::string>() + " against " +
                            first["binary"].get<std::string>() + ")");
    if (other["config"] != first["config"]) {
      std::vector<std::string> pointers;
      for (const auto& op : nlohmann::json::diff(first["config"], other["config"]))
        pointers.push_back(op.at("path").get<std::string>());
      differences.push_back("its configuration at " + join(pointers, ", "));
    }
    if (other["data"] != first["data"])
      differences.push_back("its data (" + other["data"].dump() + " against " + first["data"].dump() + ")");
    if (!differences.empty())
      throw Error("rank " + std::to_string(r) + " of the MPI job differs from rank 0 in " + join(differences, "; ") +
                  ": every rank must run the same bcnn-train on the same configuration and data");
  }
}

}  // namespace bcnn
