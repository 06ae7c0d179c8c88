#pragma once
// Small string helpers shared by error messages and reports.
#include <string>
#include <vector>

namespace bcnn {

// The items with `separator` between them: join({"a", "b"}, ", ") == "a, b".
inline std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += separator;
    s += items[i];
  }
  return s;
}

}  // namespace bcnn
