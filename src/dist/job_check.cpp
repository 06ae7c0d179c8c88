#include "dist/job_check.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/strings.h"

namespace bcnn {

std::string file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable";
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      hash ^= static_cast<unsigned char>(buffer[static_cast<std::size_t>(i)]);
      hash *= 0x100000001b3ULL;
    }
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

void check_same_job(Communicator& comm, const nlohmann::json& resolved_config, const std::string& data_fingerprint) {
  const nlohmann::json mine = {{"binary", file_fingerprint("/proc/self/exe")},
                               {"config", resolved_config},
                               {"data", data_fingerprint}};
  const std::vector<std::string> all = comm.gather(mine.dump());
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
