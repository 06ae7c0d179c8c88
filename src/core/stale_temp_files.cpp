#include "core/stale_temp_files.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace bcnn {
namespace {

// The pid after the last ".tmp-", or -1 when the name does not end that way.
long temp_owner(const std::string& name) {
  const auto at = name.rfind(".tmp-");
  if (at == std::string::npos || at + 5 >= name.size()) return -1;
  long pid = 0;
  for (std::size_t i = at + 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH; }

}  // namespace

std::vector<std::string> remove_stale_temp_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> removed;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const long pid = temp_owner(name);
    if (pid <= 0 || pid == static_cast<long>(::getpid()) || process_alive(pid)) continue;
    std::error_code remove_ec;
    fs::remove_all(it->path(), remove_ec);
    if (!remove_ec) removed.push_back(name);
  }
  return removed;
}

}  // namespace bcnn
