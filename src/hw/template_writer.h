#pragma once
// The one writer of generated text: template files under fpga/templates/ (embedded in the
// library, src/hls/embed.cmake) filled with values.
//
//   {{name}}              the value of `name` (from the innermost section that has it)
//   {{#name}}...{{/name}} the text repeated once per item of the list `name`; an item's values
//                         hide the outer ones; an empty list writes nothing (a conditional)
//
// A section tag alone on its line takes the line with it, so templates keep their layout. A key
// without a value is a bug in bcnn and throws.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bcnn::hw {

class TemplateValues {
 public:
  TemplateValues& set(const std::string& key, std::string value);
  TemplateValues& set(const std::string& key, const char* value) { return set(key, std::string(value)); }
  TemplateValues& set(const std::string& key, std::int64_t value) { return set(key, std::to_string(value)); }
  TemplateValues& set(const std::string& key, int value) { return set(key, std::to_string(value)); }
  // Appends one item to the list `section` (creating it).
  TemplateValues& add(const std::string& section, TemplateValues item);
  // The list `section` with one empty item when `shown`, none otherwise.
  TemplateValues& show(const std::string& section, bool shown);

  const std::string* value(const std::string& key) const;
  const std::vector<TemplateValues>* section(const std::string& key) const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<TemplateValues>> sections_;
};

// The text of `text` with every placeholder filled; `name` names the template in messages.
std::string fill_template(std::string_view text, const TemplateValues& values, const std::string& name);

// The embedded file fpga/<path>, e.g. "templates/firmware/defines.h".
std::string_view template_file(const std::string& path);

// The part {{#part}}...{{/part}} of a template file (a kind's file holds its config struct, its
// call and its parameter tables as parts), unfilled.
std::string_view template_part(std::string_view text, const std::string& part, const std::string& name);

// Whether the embedded template fpga/templates/<path> has the part `part`.
bool has_template_part(const std::string& path, const std::string& part);

// Fills the part `part` of the embedded template fpga/templates/<path>.
std::string fill_template_part(const std::string& path, const std::string& part, const TemplateValues& values);

}  // namespace bcnn::hw
