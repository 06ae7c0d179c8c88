#include "core/tool_main.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/error.h"
#include "core/memory.h"

namespace bcnn {
namespace {

// The tool's name for the terminate handler, which can take no arguments.
char terminate_prefix[64] = "bcnn: error: ";

[[noreturn]] void on_terminate() {
  // Only async-signal-safe calls: the process may be in any state.
  const char* text = "internal error: an exception escaped a thread (std::terminate); nothing more was written\n";
  ssize_t ignored = ::write(STDERR_FILENO, terminate_prefix, std::strlen(terminate_prefix));
  ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
  ::_exit(1);
}

// nlohmann's what() starts with "[json.exception.type_error.302] "; the rest is the story.
std::string json_story(const nlohmann::json::exception& e) {
  std::string what = e.what();
  const auto end = what.find("] ");
  return end == std::string::npos ? what : what.substr(end + 2);
}

}  // namespace

void print_tool_error(const std::string& tool, const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", tool.c_str(), message.c_str());
}

int run_tool_main(const std::string& tool, const std::string& memory_advice, const std::function<int()>& body) {
  std::snprintf(terminate_prefix, sizeof terminate_prefix, "%s: error: ", tool.c_str());
  std::set_terminate(on_terminate);
  try {
    return body();
  } catch (const Error& e) {
    print_tool_error(tool, e.what());
  } catch (const nlohmann::json::exception& e) {
    print_tool_error(tool, "a JSON value of an unexpected type or shape: " + json_story(e));
  } catch (const std::bad_alloc&) {
    std::string message = "out of memory";
    if (const auto available = available_memory_bytes())
      message += " (" + format_gib(*available) + " available now)";
    print_tool_error(tool, message + (memory_advice.empty() ? "" : "; " + memory_advice));
  } catch (const std::length_error& e) {
    print_tool_error(tool, std::string("a size too large to allocate (") + e.what() + ")" +
                               (memory_advice.empty() ? "" : "; " + memory_advice));
  } catch (const std::exception& e) {
    print_tool_error(tool, std::string("internal error: ") + e.what());
  } catch (...) {
    print_tool_error(tool, "internal error: an exception of unknown type");
  }
  return 1;
}

}  // namespace bcnn
