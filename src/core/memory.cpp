#include "core/memory.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.h"

namespace bcnn {
namespace {

std::optional<std::int64_t> read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    return static_cast<std::int64_t>(std::stoull(text));
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<std::int64_t> meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::int64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

// The cgroup's remaining allowance: limit - usage. Limits of "no limit" (v2 "max", v1 a number
// near 2^63) are no limit.
std::optional<std::int64_t> cgroup_available() {
  const std::pair<const char*, const char*> files[] = {
      {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
      {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"}};
  for (const auto& [limit_path, usage_path] : files) {
    const auto limit = read_number(limit_path);
    if (!limit || *limit >= (std::int64_t{1} << 60)) continue;
    const auto usage = read_number(usage_path).value_or(0);
    return std::max<std::int64_t>(0, *limit - usage);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> available_memory_bytes() {
  const auto system = meminfo_available();
  const auto cgroup = cgroup_available();
  if (system && cgroup) return std::min(*system, *cgroup);
  return system ? system : cgroup;
}

std::string format_gib(std::int64_t bytes) {
  char text[48];
  const double gib = static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
  if (gib >= 1.0) std::snprintf(text, sizeof text, "%.1f GiB", gib);
  else std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

void require_memory(std::int64_t needed_bytes, const std::string& what, const std::string& advice) {
  const auto available = available_memory_bytes();
  if (!available || needed_bytes <= *available) return;
  throw Error(what + " needs about " + format_gib(needed_bytes) + ", this machine has " + format_gib(*available) +
              " available" + (advice.empty() ? "" : "; " + advice));
}

}  // namespace bcnn
