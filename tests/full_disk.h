#pragma once
// Full disks for tests: a small tmpfs mounted on a directory (needs root, as CI runs; tests skip
// with a message where mounting is not permitted), filled up to a given number of free bytes.
#include <cstdint>
#include <string>

namespace bcnn::testing {

class SmallTmpfs {
 public:
  // Mounts a tmpfs of `bytes` on `dir` (created when missing).
  SmallTmpfs(const std::string& dir, std::uint64_t bytes);
  ~SmallTmpfs();  // unmounts (lazily, so a test that failed with files open cannot block it)
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }  // strerror of a refused mount

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_not_;
};

// A file-size limit (RLIMIT_FSIZE) for this process and the children it starts, with SIGXFSZ
// ignored: writes past `bytes` fail with EFBIG ("File too large"), as a full disk fails with
// ENOSPC, without root. The previous limit and handler come back when the object goes.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes);
  ~FileSizeLimit();
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  std::uint64_t saved_cur_ = 0, saved_max_ = 0;
  void (*saved_handler_)(int) = nullptr;
};

// Bytes free on the file system of `dir` (tmpfs keeps no reserve for root).
std::uint64_t free_bytes(const std::string& dir);

// Writes `dir`/`name` until at most `leave` bytes remain free on `dir`'s file system.
void fill_disk(const std::string& dir, std::uint64_t leave, const std::string& name = "filler");

}  // namespace bcnn::testing
