// core/isolated_call.h: work in a child process comes back as bytes or as one bcnn::Error, whatever
// the child does (returns, throws, is killed, exits, hangs).
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <string>

#include "cli.h"
#include "core/isolated_call.h"

using bcnn::testing::contains;
using bcnn::testing::error_message;

TEST_CASE("run_isolated: the child's result, larger than a pipe's buffer, comes back whole") {
  std::string expected(3 << 20, '\0');
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>(i * 31 + 7);
  CHECK(bcnn::run_isolated([&] { return expected; }, 60, "big") == expected);
  CHECK(bcnn::run_isolated([] { return std::string(); }, 60, "empty").empty());
}

TEST_CASE("run_isolated: an exception in the child is the caller's error, with its message") {
  const std::string message =
      error_message([] { bcnn::run_isolated([]() -> std::string { throw bcnn::Error("m.h5: broken"); }, 60, "m.h5"); });
  CHECK(message == "m.h5: broken");
}

TEST_CASE("run_isolated: a killed, exiting or hanging child is a ChildFailure naming what was done") {
  auto failure = [](const std::function<std::string()>& work, double timeout_s) {
    try {
      bcnn::run_isolated(work, timeout_s, "reading x.h5");
    } catch (const bcnn::ChildFailure& e) {
      return std::string(e.what());
    }
    return std::string("no ChildFailure");
  };
  CHECK(failure([]() -> std::string { ::kill(::getpid(), SIGKILL); return "never"; }, 60) ==
        "reading x.h5: the child process was ended by signal 9 (Killed)");
  CHECK(failure([]() -> std::string { ::_exit(3); }, 60) ==
        "reading x.h5: the child process ended with exit status 3 before its result");
  CHECK(failure([]() -> std::string { while (true) ::pause(); }, 0.3) ==
        "reading x.h5: did not finish within 0.3 s (stopped)");
}
