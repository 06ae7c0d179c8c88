#pragma once
// The outermost frame of the three command-line tools. Whatever escapes a tool's work (a
// bcnn::Error, a nlohmann::json exception, std::bad_alloc, std::length_error, any other
// exception) ends as one line "<tool>: error: ..." on stderr and exit status 1, never as an
// abort: the stack is unwound first, so atomic writers remove their temporary files. A
// std::terminate (an exception escaping a thread) prints the same kind of line and exits 1.
#include <functional>
#include <string>

namespace bcnn {

// Runs `body` and returns its status; an exception becomes a message and status 1.
// `memory_advice` ends the out-of-memory message (e.g. "try a smaller --batch").
int run_tool_main(const std::string& tool, const std::string& memory_advice, const std::function<int()>& body);

// "<tool>: error: <message>" on stderr.
void print_tool_error(const std::string& tool, const std::string& message);

}  // namespace bcnn
