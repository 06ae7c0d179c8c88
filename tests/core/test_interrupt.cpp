// core/interrupt.h: a signal is recorded as a request to stop, and the notice set for it is written
// to stderr at once, from the handler. Each case runs in a child process (core/isolated_call.h),
// since the handler changes the process's signal actions and its stop request for good.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "cli.h"
#include "core/interrupt.h"
#include "core/isolated_call.h"

using bcnn::testing::TempDir;

namespace {

// In a child: stderr to `path`, the handler installed, `prepare` run, then `signal_number` raised.
// Returns what the handler wrote, then "|" and the recorded signal's name.
std::string raise_in_child(const std::string& path, int signal_number, void (*prepare)()) {
  return bcnn::run_isolated(
      [&] {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) throw bcnn::Error("cannot redirect stderr to " + path);
        bcnn::install_interrupt_handler();
        prepare();
        ::raise(signal_number);
        std::ifstream in(path);
        std::stringstream written;
        written << in.rdbuf();
        return written.str() + "|" + bcnn::interrupt_signal_name();
      },
      60, "the signal test");
}

}  // namespace

TEST_CASE("interrupt: the notice is written at once by the handler, after the tool and the signal") {
  TempDir tmp("interrupt");
  CHECK(raise_in_child(tmp.file("err"), SIGTERM, [] {
          bcnn::set_interrupt_notice("bcnn-train", "the job is ending; resume from c.h5\n");
        }) == "bcnn-train: SIGTERM: the job is ending; resume from c.h5\n|SIGTERM");
  // A later notice replaces the earlier one.
  CHECK(raise_in_child(tmp.file("err"), SIGHUP, [] {
          bcnn::set_interrupt_notice("bcnn-train", "first\n");
          bcnn::set_interrupt_notice("bcnn-train", "second\n");
          bcnn::set_interrupt_notice("bcnn-train", "third\n");
        }) == "bcnn-train: SIGHUP: third\n|SIGHUP");
}

TEST_CASE("interrupt: without a notice, or with an empty one, the handler writes nothing") {
  TempDir tmp("interrupt-quiet");
  CHECK(raise_in_child(tmp.file("err"), SIGINT, [] {}) == "|SIGINT");
  CHECK(raise_in_child(tmp.file("err"), SIGTERM, [] {
          bcnn::set_interrupt_notice("bcnn-train", "a checkpoint\n");
          bcnn::set_interrupt_notice("bcnn-train", "");
        }) == "|SIGTERM");
}
