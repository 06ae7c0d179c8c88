// The tools' outermost frame: every exception type becomes one "<tool>: error: ..." line and
// status 1, never an abort.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "cli.h"
#include "core/error.h"
#include "core/tool_main.h"

namespace {

using namespace bcnn::testing;

// Runs run_tool_main with stderr sent to a file; returns {status, what it printed}.
std::pair<int, std::string> run_captured(const std::function<int()>& body) {
  TempDir tmp("tool-main");
  const std::string path = tmp.file("stderr");
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  FILE* capture = std::fopen(path.c_str(), "w");
  dup2(fileno(capture), STDERR_FILENO);
  const std::terminate_handler doctest_terminate = std::get_terminate();
  const int status = bcnn::run_tool_main("bcnn-test", "try a smaller --batch", body);
  std::set_terminate(doctest_terminate);  // the tools' handler is for the tools
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fclose(capture);
  return {status, read_text(path)};
}

}  // namespace

TEST_CASE("run_tool_main: every exception type is one error line and status 1") {
  struct Case {
    const char* name;
    std::function<int()> body;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"bcnn::Error", [] () -> int { throw bcnn::Error("net.json: /train/batch: expected 1, found 2"); },
       "bcnn-test: error: net.json: /train/batch: expected 1, found 2\n"},
      {"json type_error", [] () -> int { return nlohmann::json(5).at("train").get<int>(); },
       "bcnn-test: error: a JSON value of an unexpected type or shape: "},
      {"bad_alloc", [] () -> int { throw std::bad_alloc(); }, "bcnn-test: error: out of memory"},
      {"length_error", [] () -> int { std::vector<double> v; v.reserve(v.max_size() + 1); return 0; },
       "bcnn-test: error: a size too large to allocate"},
      {"std::exception", [] () -> int { throw std::runtime_error("boom"); }, "bcnn-test: error: internal error: boom"},
      {"anything", [] () -> int { throw 42; }, "bcnn-test: error: internal error: an exception of unknown type"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto [status, err] = run_captured(c.body);
    CHECK(status == 1);
    CHECK(err.rfind(c.expected, 0) == 0);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  auto [status, err] = run_captured([] { return 3; });
  CHECK(status == 3);
  CHECK(err.empty());
  auto oom = run_captured([] () -> int { throw std::bad_alloc(); });
  CHECK(contains(oom.second, "try a smaller --batch"));
}
