#include "full_disk.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace bcnn::testing {

FileSizeLimit::FileSizeLimit(std::uint64_t bytes) {
  struct rlimit saved {};
  if (::getrlimit(RLIMIT_FSIZE, &saved) != 0) throw std::runtime_error("getrlimit: " + std::string(std::strerror(errno)));
  saved_cur_ = saved.rlim_cur;
  saved_max_ = saved.rlim_max;
  saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limited = saved;
  limited.rlim_cur = bytes;
  if (::setrlimit(RLIMIT_FSIZE, &limited) != 0) {
    std::signal(SIGXFSZ, saved_handler_);
    throw std::runtime_error("setrlimit: " + std::string(std::strerror(errno)));
  }
}

FileSizeLimit::~FileSizeLimit() {
  struct rlimit saved {};
  saved.rlim_cur = saved_cur_;
  saved.rlim_max = saved_max_;
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, saved_handler_);
}

SmallTmpfs::SmallTmpfs(const std::string& dir, std::uint64_t bytes) : dir_(dir) {
  std::filesystem::create_directories(dir);
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) {
    mounted_ = true;
  } else {
    why_not_ = std::strerror(errno);
  }
}

SmallTmpfs::~SmallTmpfs() {
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
}

std::uint64_t free_bytes(const std::string& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) throw std::runtime_error("statvfs failed on " + dir);
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

void fill_disk(const std::string& dir, std::uint64_t leave, const std::string& name) {
  const std::string path = (std::filesystem::path(dir) / name).string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  std::vector<char> block(4096, 'x');
  while (free_bytes(dir) > leave) {
    const std::uint64_t want = std::min<std::uint64_t>(block.size(), free_bytes(dir) - leave);
    if (::write(fd, block.data(), want) <= 0) break;
  }
  ::close(fd);
}

}  // namespace bcnn::testing
