#include "io/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"

namespace bcnn {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int error) {
  throw Error(path + ": " + what + " (" + std::strerror(error) + "); the previous file, if any, is unchanged");
}

// A file descriptor that is closed unchecked on every path that is already failing; the success
// path closes it with close_checked().
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  // close() reports write-back errors on some file systems (NFS, quotas): a failed close is a
  // failed write. The descriptor is gone either way, so it is never closed twice.
  int close_checked() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Writes all of `bytes` (write() may write less than asked); returns 0 or the errno.
int write_all(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // no progress and no error: treat as an I/O error rather than spin
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

int fsync_retrying(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

std::string directory_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// Makes a rename or a file creation in `directory` durable. File systems that cannot sync a
// directory say EINVAL; there is nothing more to do on them.
int sync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  Descriptor dir(fd);
  const int error = fsync_retrying(dir.get());
  if (error != 0 && error != EINVAL) return error;
  return dir.close_checked();
}

// Creates (truncates) `path`, writes `bytes`, fsyncs and closes it, each step checked. Returns 0,
// or the errno with `what` naming the step that failed; `created` says whether the file exists.
int write_synced_file(const std::string& path, std::string_view bytes, const char*& what, bool& created) {
  created = false;
  what = "cannot create";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return errno;
  created = true;
  Descriptor file(fd);
  int error = write_all(file.get(), bytes);
  what = "cannot write";
  if (error == 0) {
    error = fsync_retrying(file.get());
    what = "cannot sync to disk";
  }
  if (error == 0) {
    error = file.close_checked();
    what = "cannot write (at close)";
  }
  return error;
}

}  // namespace

std::string temp_path_for(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string temp = temp_path_for(path);
  const char* what = nullptr;
  bool created = false;
  int error = write_synced_file(temp, bytes, what, created);
  if (!created) fail(path, "cannot create the temporary file " + temp, error);
  if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) {
    error = errno;
    what = "cannot move the finished file into place";
  }
  if (error != 0) {
    remove_quietly(temp);
    fail(path, what, error);
  }
  if (const int dir_error = sync_directory(directory_of(path)); dir_error != 0)
    throw Error(path + ": written, but its directory could not be synced to disk (" + std::strerror(dir_error) + ")");
}

void write_new_file_durably(const std::string& path, std::string_view bytes) {
  const char* what = nullptr;
  bool created = false;
  const int error = write_synced_file(path, bytes, what, created);
  if (error != 0) {
    if (created) remove_quietly(path);
    throw Error(path + ": " + what + " (" + std::strerror(error) + ")");
  }
}

void sync_directory_to_disk(const std::string& directory) {
  if (const int error = sync_directory(directory); error != 0)
    throw Error(directory + ": cannot sync the directory to disk (" + std::strerror(error) + ")");
}

void append_line_durably(const std::string& path, std::string_view line) {
  std::string text(line);
  text += '\n';
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) fail(path, "cannot open for appending", errno);
  Descriptor file(fd);
  struct stat before {};
  if (::fstat(file.get(), &before) != 0) fail(path, "cannot append", errno);
  int error = write_all(file.get(), text);
  if (error == 0) error = fsync_retrying(file.get());
  if (error != 0) {
    // A partial line would make the next reader fail on the whole file: take it back.
    if (::ftruncate(file.get(), before.st_size) == 0) fsync_retrying(file.get());
    fail(path, "cannot append a line", error);
  }
  error = file.close_checked();
  if (error != 0) fail(path, "cannot append a line (at close)", error);
  if (before.st_size == 0) {
    // The file may be new: its directory entry must reach the disk too.
    if (const int dir_error = sync_directory(directory_of(path)); dir_error != 0)
      fail(path, "cannot sync its directory to disk", dir_error);
  }
}

void copy_file_atomically(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw Error(from + ": cannot open for reading (" + std::strerror(errno) + ")");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(from + ": cannot read (" + std::strerror(errno) + ")");
  write_file_atomically(to, bytes);
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace bcnn
