#pragma once
// Small string helpers shared by error messages and reports.
#include <cstdint>
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

// An integer with thousands separators: with_thousands(-1234567) == "-1,234,567".
inline std::string with_thousands(std::int64_t v) {
  const std::string digits = std::to_string(v);
  const std::size_t first = v < 0 ? 1 : 0;
  std::string out = digits.substr(0, first);
  for (std::size_t i = first; i < digits.size(); ++i) {
    if (i > first && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace bcnn
