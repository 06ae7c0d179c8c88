#include "core/isolated_call.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>

#include "core/interrupt.h"
#include "core/write_all.h"

namespace bcnn {
namespace {

[[noreturn]] void run_child(int fd, const std::function<std::string()>& work) {
  char tag = 'E';
  std::string payload;
  try {
    payload = work();
    tag = 'O';
  } catch (const std::exception& e) {
    payload = e.what();
  } catch (...) {
    payload = "an unknown exception";
  }
  write_all(fd, &tag, 1);
  write_all(fd, payload.data(), payload.size());
  ::close(fd);
  // No exit handlers: they belong to the parent (its buffered output, HDF5's library state).
  ::_exit(0);
}

std::string format_seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", s);
  return text;
}

}  // namespace

std::string run_isolated(const std::function<std::string()>& work, double timeout_s, const std::string& what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(what + ": cannot create a pipe (" + std::strerror(errno) + ")");
  std::fflush(nullptr);  // nothing buffered may be written twice
  const pid_t child = ::fork();
  if (child < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(what + ": cannot start a process (" + std::strerror(err) + ")");
  }
  if (child == 0) {
    ::close(fds[0]);
    // The child speaks through the pipe only: what a crashing library (or a sanitizer) prints on
    // its way down is not the user's message, which the parent composes.
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    run_child(fds[1], work);
  }
  ::close(fds[1]);

  auto stop_child = [&] {
    ::kill(child, SIGKILL);
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
    ::close(fds[0]);
  };
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  std::string received;
  char buffer[1 << 16];
  while (true) {
    if (interrupt_requested()) {
      stop_child();
      throw Interrupted();
    }
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (left <= 0) {
      stop_child();
      throw ChildFailure(what + ": did not finish within " + format_seconds(timeout_s) + " s (stopped)");
    }
    pollfd p{fds[0], POLLIN, 0};
    // Short waits, so that an interrupt is noticed within 0.2 s.
    const int ready = ::poll(&p, 1, static_cast<int>(std::ceil(std::min(left, 0.2) * 1000)));
    if (ready < 0 && errno != EINTR) {
      const int err = errno;
      stop_child();
      throw Error(what + ": cannot wait for the child process (" + std::strerror(err) + ")");
    }
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      stop_child();
      throw Error(what + ": cannot read the child process's result (" + std::strerror(err) + ")");
    }
    if (n == 0) break;  // the child closed its end: it has finished or died
    received.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) throw Error(what + ": cannot wait for the child process (" + std::strerror(errno) + ")");
  }
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    throw ChildFailure(what + ": the child process was ended by signal " + std::to_string(signal) + " (" +
                       ::strsignal(signal) + ")");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || received.empty())
    throw ChildFailure(what + ": the child process ended with exit status " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + " before its result");
  const char tag = received[0];
  received.erase(0, 1);
  if (tag != 'O') throw Error(received);
  return received;
}

}  // namespace bcnn
