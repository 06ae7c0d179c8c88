// Reading the JSON text of a configuration: nesting is bounded before anything recurses over the
// value, and a key given twice in one object is refused with its JSON pointer.
#include <doctest/doctest.h>

#include <string>

#include "cli.h"
#include "core/error.h"
#include "train/config.h"

namespace {

using bcnn::testing::error_message;
using bcnn::testing::TempDir;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string nested_arrays(int depth) {
  const auto n = static_cast<std::size_t>(depth);
  return std::string(n, '[') + std::string(n, ']');
}

}  // namespace

TEST_CASE("json text: a value nested 100,000 levels deep is refused with the byte offset, not a stack overflow") {
  TempDir tmp("json-depth");
  const std::string path = tmp.file("deep.json");
  bcnn::testing::write_text(path, "{\"format\": \"bcnn-network\", \"version\": 1, \"input\": " + nested_arrays(100000) +
                                      "}");
  // Building the network would describe the "input" value in its error message (a recursive dump).
  const std::string message = error_message([&] { bcnn::load_train_config(path); });
  CHECK(message.rfind(path + ": invalid JSON: at byte offset 113: ", 0) == 0);
  CHECK(contains(message, "expected at most 64 levels of nested arrays and objects, found more"));
}

TEST_CASE("json text: 64 levels are read, brackets inside strings do not count") {
  TempDir tmp("json-depth-ok");
  const std::string path = tmp.file("ok.json");
  bcnn::testing::write_text(path, nested_arrays(64));
  CHECK(bcnn::read_json_file(path).is_array());
  bcnn::testing::write_text(path, nested_arrays(65));
  CHECK(contains(error_message([&] { bcnn::read_json_file(path); }), "at byte offset 64"));
  // A quote escaped inside the string does not end it: the brackets after it are still text.
  bcnn::testing::write_text(path, "{\"description\": \"\\\"" + std::string(100, '[') + "\", \"x\": " +
                                      nested_arrays(63) + "}");
  CHECK(bcnn::read_json_file(path).at("description").get<std::string>().size() == 101);
}

TEST_CASE("json text: a key given twice in one object is refused with its JSON pointer") {
  TempDir tmp("json-duplicates");
  const std::string path = tmp.file("twice.json");
  auto message_for = [&](const std::string& text) {
    bcnn::testing::write_text(path, text);
    return error_message([&] { bcnn::read_json_file(path); });
  };
  CHECK(message_for(R"({"format": "bcnn-network", "version": 1, "format": "x"})") ==
        path + ": /format: expected each key at most once in an object, found \"format\" a second time "
               "(which one counts would be a guess)");
  CHECK(contains(message_for(R"({"layers": [{"type": "dense", "units": 10, "units": 20}]})"),
                 path + ": /layers/0/units: expected each key at most once"));
  CHECK(contains(message_for(R"({"layers": [[1, [2, {}]], {"a": {"b": 1}}, {"type": "relu", "type": "relu"}]})"),
                 ": /layers/2/type: "));
  CHECK(contains(message_for(R"({"train": {"optimizer": {"lr": 0.1, "type": "sgd", "lr": 0.2}}})"),
                 ": /train/optimizer/lr: "));
  CHECK(contains(message_for(R"({"a/b~c": {"k": 1, "k": 2}})"), ": /a~1b~0c/k: "));
  // The same key in different objects is fine.
  bcnn::testing::write_text(path, R"({"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 3}, {"k": 4}]})");
  CHECK(bcnn::read_json_file(path).at("c").size() == 2);
}

TEST_CASE("json text: a number beyond a double's range is refused with its byte offset") {
  TempDir tmp("json-overflow");
  const std::string path = tmp.file("huge.json");
  bcnn::testing::write_text(path, R"({"train": {"optimizer": {"lr": 1e400}}})");
  CHECK(error_message([&] { bcnn::read_json_file(path); }) ==
        path + ": invalid JSON: at byte offset 31: expected a number within the range of a double (about 1.8e308), "
               "found 1e400");
}
