#pragma once
// Writes all of a buffer to a file descriptor with write(2) alone, retrying after EINTR and short
// writes, giving up on an error. Async-signal-safe, so signal handlers (core/interrupt.cpp) and
// forked children (core/isolated_call.cpp) may call it.
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace bcnn {

// True when everything was written.
inline bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace bcnn
