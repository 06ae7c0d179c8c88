#pragma once
// Reads one JSON object of a configuration with errors that name the file, the JSON pointer,
// what was expected and what was found, and rejects unknown keys with a "did you mean".
#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bcnn {

class JsonObject {
 public:
  // `origin` names the file (or "--option") the object came from; `pointer` is its JSON pointer.
  JsonObject(const nlohmann::json& value, std::string origin, std::string pointer);

  const std::string& origin() const { return origin_; }
  const std::string& pointer() const { return pointer_; }
  std::string pointer_of(const std::string& key) const;
  bool has(const std::string& key) const;
  // Counts `key` as known to reject_unknown_keys (for optional keys read without get_*).
  void mark_known(const std::string& key) { read_.insert(key); }
  const nlohmann::json& raw(const std::string& key);

  std::string get_string(const std::string& key, const std::optional<std::string>& fallback = std::nullopt,
                         const std::vector<std::string>& allowed = {});
  long get_int(const std::string& key, std::optional<long> fallback, long min, long max);
  double get_number(const std::string& key, std::optional<double> fallback, double min, double max);
  bool get_bool(const std::string& key, std::optional<bool> fallback);
  std::vector<int> get_int_list(const std::string& key, int min_length, int max_length, long min, long max);
  std::vector<double> get_number_list(const std::string& key, int min_length, int max_length);
  JsonObject get_object(const std::string& key);

  // Throws for the first key never asked for, suggesting the closest known key.
  void reject_unknown_keys(const std::vector<std::string>& also_allowed = {}) const;

  [[noreturn]] void fail(const std::string& key, const std::string& expected, const std::string& found) const;
  [[noreturn]] void fail_missing(const std::string& key, const std::string& expected) const;
  [[noreturn]] void fail_here(const std::string& message) const;

 private:
  const nlohmann::json& value_;
  std::string origin_;
  std::string pointer_;
  std::set<std::string> read_;
};

// The deepest nesting of arrays and objects that parse_json_text accepts. Configurations need about
// five levels; the bound keeps every recursive walk of a parsed value (dump, copy, comparison,
// destruction) far from the end of the stack.
inline constexpr int max_json_depth = 64;

// Parses the JSON text of a configuration read from `origin` (a file name, or a file and an
// attribute). Throws bcnn::Error naming `origin` for a syntax error (with line and column), for
// nesting deeper than max_json_depth (with the byte offset; checked on the bytes before the parser
// builds anything) and for a key that appears twice in one object (with its JSON pointer; JSON
// leaves the meaning open and nlohmann::json would silently keep the last).
nlohmann::json parse_json_text(const std::string& text, const std::string& origin);

// "found" text for an error: the JSON value, shortened.
std::string describe_json(const nlohmann::json& value);
// The candidate with the smallest edit distance to `word`, when close enough to be a likely typo.
std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates);
// Formats "<origin>: <pointer>: expected <expected>, found <found>".
std::string config_error(const std::string& origin, const std::string& pointer, const std::string& expected,
                         const std::string& found);

}  // namespace bcnn
