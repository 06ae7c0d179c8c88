#pragma once
// One exception type for every user-facing failure. Its message is the whole story the user reads:
// which file / JSON pointer / layer, what was expected, what was found.
#include <stdexcept>
#include <string>

namespace bcnn {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace bcnn
