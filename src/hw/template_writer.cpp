#include "hw/template_writer.h"

#include <string>

#include "core/error.h"
#include "hls/embedded_files.h"

namespace bcnn::hw {
namespace {

bool is_section_tag(std::string_view s) {
  return s.size() > 5 && s.substr(0, 2) == "{{" && (s[2] == '#' || s[2] == '/') && s.substr(s.size() - 2) == "}}" &&
         s.find("}}") == s.size() - 2;
}

// Drops the indentation and the line end of section tags that stand alone on their line.
std::string strip_standalone_tags(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    const bool has_newline = end != std::string_view::npos;
    if (!has_newline) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    const std::size_t first = line.find_first_not_of(" \t");
    const std::size_t last = line.find_last_not_of(" \t");
    if (first != std::string_view::npos && is_section_tag(line.substr(first, last - first + 1)))
      out += line.substr(first, last - first + 1);
    else {
      out += line;
      if (has_newline) out += '\n';
    }
    pos = end + 1;
  }
  return out;
}

struct Scope {
  const TemplateValues* values;
  const Scope* outer;
};

const std::string* find_value(const Scope* s, const std::string& key) {
  for (; s; s = s->outer)
    if (const std::string* v = s->values->value(key)) return v;
  return nullptr;
}

const std::vector<TemplateValues>* find_section(const Scope* s, const std::string& key) {
  for (; s; s = s->outer)
    if (const auto* v = s->values->section(key)) return v;
  return nullptr;
}

// The position of the {{/key}} that closes a {{#key}} opened before `from` (nested sections of
// the same name are counted).
std::size_t find_close(std::string_view text, std::size_t from, const std::string& key, const std::string& name) {
  const std::string open = "{{#" + key + "}}", close = "{{/" + key + "}}";
  int depth = 1;
  std::size_t pos = from;
  while (true) {
    const std::size_t next_close = text.find(close, pos);
    if (next_close == std::string_view::npos)
      throw Error("internal error: template " + name + " opens {{#" + key + "}} without closing it");
    const std::size_t next_open = text.find(open, pos);
    if (next_open != std::string_view::npos && next_open < next_close) {
      ++depth;
      pos = next_open + open.size();
      continue;
    }
    if (--depth == 0) return next_close;
    pos = next_close + close.size();
  }
}

void render(std::string_view text, const Scope* scope, const std::string& name, std::string& out) {
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    const std::string tag(text.substr(open + 2, close - open - 2));
    if (!tag.empty() && tag[0] == '#') {
      const std::string key = tag.substr(1);
      const std::size_t body_begin = close + 2;
      const std::size_t body_end = find_close(text, body_begin, key, name);
      const auto* items = find_section(scope, key);
      if (!items) throw Error("internal error: template " + name + " uses {{#" + key + "}}, which has no list");
      for (const auto& item : *items) {
        const Scope inner{&item, scope};
        render(text.substr(body_begin, body_end - body_begin), &inner, name, out);
      }
      pos = body_end + key.size() + 5;
      continue;
    }
    if (!tag.empty() && tag[0] == '/')
      throw Error("internal error: template " + name + " closes {{" + tag + "}} without opening it");
    const std::string* value = find_value(scope, tag);
    if (!value) throw Error("internal error: template " + name + " uses {{" + tag + "}}, which has no value");
    out += *value;
    pos = close + 2;
  }
  out.append(text.substr(pos));
}

}  // namespace

TemplateValues& TemplateValues::set(const std::string& key, std::string value) {
  values_[key] = std::move(value);
  return *this;
}

TemplateValues& TemplateValues::add(const std::string& section, TemplateValues item) {
  sections_[section].push_back(std::move(item));
  return *this;
}

TemplateValues& TemplateValues::show(const std::string& section, bool shown) {
  auto& items = sections_[section];
  items.clear();
  if (shown) items.emplace_back();
  return *this;
}

const std::string* TemplateValues::value(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

const std::vector<TemplateValues>* TemplateValues::section(const std::string& key) const {
  auto it = sections_.find(key);
  return it == sections_.end() ? nullptr : &it->second;
}

std::string fill_template(std::string_view text, const TemplateValues& values, const std::string& name) {
  const std::string stripped = strip_standalone_tags(text);
  std::string out;
  const Scope scope{&values, nullptr};
  render(stripped, &scope, name, out);
  return out;
}

std::string_view template_file(const std::string& path) {
  for (const auto& f : embedded::files())
    if (f.path == path) return f.text;
  throw Error("internal error: " + path + " is not embedded in bcnn-compile");
}

std::string_view template_part(std::string_view text, const std::string& part, const std::string& name) {
  const std::string open = "{{#" + part + "}}";
  const std::size_t begin = text.find(open);
  if (begin == std::string_view::npos)
    throw Error("internal error: template " + name + " has no part {{#" + part + "}}");
  std::size_t body = begin + open.size();
  if (body < text.size() && text[body] == '\n') ++body;  // the tag's own line
  const std::size_t end = find_close(text, body, part, name);
  // Up to the line of the closing tag.
  const std::size_t line_start = text.rfind('\n', end);
  const std::size_t stop = line_start != std::string_view::npos && line_start >= body &&
                                   text.substr(line_start + 1, end - line_start - 1).find_first_not_of(" \t") ==
                                       std::string_view::npos
                               ? line_start + 1
                               : end;
  return text.substr(body, stop - body);
}

bool has_template_part(const std::string& path, const std::string& part) {
  return template_file("templates/" + path).find("{{#" + part + "}}") != std::string_view::npos;
}

std::string fill_template_part(const std::string& path, const std::string& part, const TemplateValues& values) {
  const std::string name = path + " (" + part + ")";
  return fill_template(template_part(template_file("templates/" + path), part, name), values, name);
}

}  // namespace bcnn::hw
