#include "net/json_reader.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace bcnn {
namespace {

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Refuses nesting deeper than max_json_depth by scanning the bytes: arrays and objects open and close
// only outside strings, and in a string only a backslash can hide a quote. Exact for valid JSON;
// for invalid JSON the parser reports the syntax error whenever this scan lets the text through.
void check_json_depth(const std::string& text, const std::string& origin) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth) {
        throw Error(origin + ": invalid JSON: at byte offset " + std::to_string(i) + ": expected at most " +
                    std::to_string(max_json_depth) + " levels of nested arrays and objects, found more");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

// Follows the parser's events to know the JSON pointer of every key and to find a key that an
// object already holds.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(std::string origin) : origin_(std::move(origin)) {}

  void on_event(nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start: frames_.push_back({true, {}, {}, 0}); break;
      case Event::array_start: frames_.push_back({false, {}, {}, 0}); break;
      case Event::key: on_key(parsed.get<std::string>()); break;
      case Event::value: element_done(); break;
      case Event::object_end:
      case Event::array_end:
        if (!frames_.empty()) frames_.pop_back();
        element_done();
        break;
    }
  }

 private:
  struct Frame {
    bool is_object;
    std::set<std::string> keys;
    std::string key;     // objects: the member being parsed
    std::size_t index;   // arrays: the element being parsed
  };

  void on_key(const std::string& key) {
    if (frames_.empty() || !frames_.back().is_object) return;
    Frame& top = frames_.back();
    if (!top.keys.insert(key).second) {
      std::string pointer;
      // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) about "/" + std::string&&.
      for (std::size_t f = 0; f + 1 < frames_.size(); ++f) {
        pointer += '/';
        pointer += frames_[f].is_object ? escape_pointer_token(frames_[f].key) : std::to_string(frames_[f].index);
      }
      pointer += '/';
      pointer += escape_pointer_token(key);
      throw Error(config_error(origin_, pointer, "each key at most once in an object",
                               "\"" + key + "\" a second time (which one counts would be a guess)"));
    }
    top.key = key;
  }

  void element_done() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().index;
  }

  std::string origin_;
  std::vector<Frame> frames_;
};

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& origin) {
  check_json_depth(text, origin);
  DuplicateKeyCheck duplicates(origin);
  auto callback = [&duplicates](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    duplicates.on_event(event, parsed);
    return true;
  };
  try {
    return nlohmann::json::parse(text, callback);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    auto pos = what.find("] ");
    throw Error(origin + ": invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double's range ("1e400") is valid JSON that nlohmann::json refuses with
    // out_of_range 406 "number overflow parsing '<token>'", without a position: find the token.
    const std::string what = e.what();
    const auto open = what.find('\'');
    const auto close = what.rfind('\'');
    const std::string token = open != std::string::npos && close > open ? what.substr(open + 1, close - open - 1) : "";
    const auto offset = token.empty() ? std::string::npos : text.find(token);
    throw Error(origin + ": invalid JSON: " +
                (offset == std::string::npos ? "" : "at byte offset " + std::to_string(offset) + ": ") +
                "expected a number within the range of a double (about 1.8e308), found " +
                (token.empty() ? what : token));
  }
}

std::string describe_json(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  const char* kind = value.is_string() ? "string" : value.is_boolean() ? "boolean"
                     : value.is_number() ? "number" : value.is_array() ? "array"
                     : value.is_object() ? "object" : "null";
  return std::string(kind) + " " + text;
}

std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string config_error(const std::string& origin, const std::string& pointer, const std::string& expected,
                         const std::string& found) {
  return origin + ": " + (pointer.empty() ? "/" : pointer) + ": expected " + expected + ", found " + found;
}

JsonObject::JsonObject(const nlohmann::json& value, std::string origin, std::string pointer)
    : value_(value), origin_(std::move(origin)), pointer_(std::move(pointer)) {
  if (!value_.is_object()) throw Error(config_error(origin_, pointer_, "an object", describe_json(value_)));
}

std::string JsonObject::pointer_of(const std::string& key) const { return pointer_ + "/" + escape_pointer_token(key); }

bool JsonObject::has(const std::string& key) const { return value_.contains(key); }

const nlohmann::json& JsonObject::raw(const std::string& key) {
  read_.insert(key);
  if (!value_.contains(key)) fail_missing(key, "a value");
  return value_.at(key);
}

void JsonObject::fail(const std::string& key, const std::string& expected, const std::string& found) const {
  throw Error(config_error(origin_, pointer_of(key), expected, found));
}

void JsonObject::fail_missing(const std::string& key, const std::string& expected) const {
  // A required key that is missing is often present under a misspelt name.
  std::vector<std::string> unread;
  for (const auto& [k, v] : value_.items())
    if (!read_.count(k)) unread.push_back(k);
  std::string found = "nothing";
  for (const auto& k : unread)
    if (closest_match(key, {k})) {
      found = "nothing (there is an unknown key \"" + k + "\": did you mean \"" + key + "\"?)";
      break;
    }
  fail(key, expected + " (this key is required)", found);
}

void JsonObject::fail_here(const std::string& message) const {
  throw Error(origin_ + ": " + (pointer_.empty() ? "/" : pointer_) + ": " + message);
}

std::string JsonObject::get_string(const std::string& key, const std::optional<std::string>& fallback,
                                   const std::vector<std::string>& allowed) {
  read_.insert(key);
  if (!value_.contains(key)) {
    if (fallback) return *fallback;
    std::string choices;
    for (const auto& a : allowed) choices += (choices.empty() ? "" : ", ") + ("\"" + a + "\"");
    fail_missing(key, allowed.empty() ? "a string" : "one of " + choices);
  }
  const auto& v = value_.at(key);
  std::string one_of;
  for (const auto& a : allowed) one_of += (one_of.empty() ? "" : ", ") + ("\"" + a + "\"");
  if (!v.is_string()) fail(key, allowed.empty() ? "a string" : "one of " + one_of, describe_json(v));
  std::string s = v.get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    std::string found = describe_json(v);
    if (auto near = closest_match(s, allowed)) found += " (did you mean \"" + *near + "\"?)";
    fail(key, "one of " + one_of, found);
  }
  return s;
}

long JsonObject::get_int(const std::string& key, std::optional<long> fallback, long min, long max) {
  read_.insert(key);
  if (!value_.contains(key)) {
    if (fallback) return *fallback;
    fail_missing(key, "an integer");
  }
  const auto& v = value_.at(key);
  std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  double d = v.is_number() ? v.get<double>() : NAN;
  if (!v.is_number() || d != std::floor(d)) fail(key, expected, describe_json(v));
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) fail(key, expected, describe_json(v));
  return static_cast<long>(d);
}

double JsonObject::get_number(const std::string& key, std::optional<double> fallback, double min, double max) {
  read_.insert(key);
  if (!value_.contains(key)) {
    if (fallback) return *fallback;
    fail_missing(key, "a number");
  }
  const auto& v = value_.at(key);
  char range[96];
  std::snprintf(range, sizeof range, "a number in [%g, %g]", min, max);
  if (!v.is_number()) fail(key, range, describe_json(v));
  double d = v.get<double>();
  if (!(d >= min && d <= max)) fail(key, range, describe_json(v));
  return d;
}

bool JsonObject::get_bool(const std::string& key, std::optional<bool> fallback) {
  read_.insert(key);
  if (!value_.contains(key)) {
    if (fallback) return *fallback;
    fail_missing(key, "true or false");
  }
  const auto& v = value_.at(key);
  if (!v.is_boolean()) fail(key, "true or false", describe_json(v));
  return v.get<bool>();
}

std::vector<int> JsonObject::get_int_list(const std::string& key, int min_length, int max_length, long min,
                                          long max) {
  const auto& v = raw(key);
  std::string expected = "an array of " + std::to_string(min_length) +
                         (max_length != min_length ? " to " + std::to_string(max_length) : std::string()) +
                         " integers in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!v.is_array() || static_cast<int>(v.size()) < min_length || static_cast<int>(v.size()) > max_length)
    fail(key, expected, describe_json(v));
  std::vector<int> out;
  for (const auto& e : v) {
    if (!e.is_number_integer() || e.get<long>() < min || e.get<long>() > max) fail(key, expected, describe_json(v));
    out.push_back(static_cast<int>(e.get<long>()));
  }
  return out;
}

std::vector<double> JsonObject::get_number_list(const std::string& key, int min_length, int max_length) {
  const auto& v = raw(key);
  std::string expected = "an array of " + std::to_string(min_length) + " to " + std::to_string(max_length) + " numbers";
  if (!v.is_array() || static_cast<int>(v.size()) < min_length || static_cast<int>(v.size()) > max_length)
    fail(key, expected, describe_json(v));
  std::vector<double> out;
  for (const auto& e : v) {
    if (!e.is_number()) fail(key, expected, describe_json(v));
    out.push_back(e.get<double>());
  }
  return out;
}

JsonObject JsonObject::get_object(const std::string& key) {
  const auto& v = raw(key);
  return JsonObject(v, origin_, pointer_of(key));
}

void JsonObject::reject_unknown_keys(const std::vector<std::string>& also_allowed) const {
  std::vector<std::string> known(read_.begin(), read_.end());
  known.insert(known.end(), also_allowed.begin(), also_allowed.end());
  for (const auto& [key, v] : value_.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string expected = "one of the known keys";
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    if (!list.empty()) expected += " (" + list + ")";
    std::string found = "unknown key \"" + key + "\"";
    if (auto near = closest_match(key, known)) found += " (did you mean \"" + *near + "\"?)";
    throw Error(config_error(origin_, pointer_of(key), expected, found));
  }
}

}  // namespace bcnn
