// The one writer of generated text (src/hw/template_writer.h): values, repeated and conditional
// sections, the layout of standalone tags, parts of a kind's template, and the errors for a
// template that uses a value nobody gave (a bug in bcnn, never a user's input).
#include <doctest/doctest.h>

#include <string>

#include "core/error.h"
#include "hw/template_writer.h"

using bcnn::hw::fill_template;
using bcnn::hw::TemplateValues;

namespace {

std::string error_of(const std::string& text, const TemplateValues& values) {
  try {
    fill_template(text, values, "test.h");
  } catch (const bcnn::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("template writer: values, sections repeated per item, conditionals, standalone tags") {
  TemplateValues v;
  v.set("name", "top").set("n", 3).show("shown", true).show("hidden", false);
  v.add("layers", TemplateValues().set("id", "fc1"));
  v.add("layers", TemplateValues().set("id", "fc2").set("name", "inner"));
  const std::string text =
      "// {{name}}: {{n}}\n"
      "{{#layers}}\n"
      "  call {{id}} in {{name}};\n"
      "{{/layers}}\n"
      "{{#shown}}\n"
      "shown\n"
      "{{/shown}}\n"
      "{{#hidden}}\n"
      "hidden\n"
      "{{/hidden}}\n"
      "inline [{{#layers}}{{id}},{{/layers}}]\n";
  CHECK(fill_template(text, v, "test.h") ==
        "// top: 3\n"
        "  call fc1 in top;\n"
        "  call fc2 in inner;\n"
        "shown\n"
        "inline [fc1,fc2,]\n");
  // An empty list writes nothing; nested sections of the same name close in order.
  TemplateValues nested;
  nested.add("a", TemplateValues().set("x", "1").add("a", TemplateValues().set("x", "2").show("a", false)));
  CHECK(fill_template("{{#a}}<{{x}}{{#a}}({{x}}{{#a}}never{{/a}}){{/a}}>{{/a}}", nested, "t") == "<1(2)>");
}

TEST_CASE("template writer: a placeholder or section without a value is an internal error naming the template") {
  CHECK(error_of("{{missing}}", TemplateValues()).find("template test.h uses {{missing}}, which has no value") !=
        std::string::npos);
  CHECK(error_of("{{#list}}x{{/list}}", TemplateValues()).find("uses {{#list}}, which has no list") !=
        std::string::npos);
  CHECK(error_of("{{#list}}x", TemplateValues().show("list", true)).find("without closing it") != std::string::npos);
  CHECK(error_of("x{{/list}}", TemplateValues()).find("without opening it") != std::string::npos);
}

TEST_CASE("template writer: a kind's template has its parts, and every firmware template is embedded") {
  const auto text = bcnn::hw::template_file("templates/layers/relu.h");
  const auto config = bcnn::hw::template_part(text, "config", "relu.h");
  CHECK(config.substr(0, 3) == "// ");
  CHECK(config.substr(config.size() - 3) == "};\n");
  CHECK(std::string(bcnn::hw::template_part(text, "call", "relu.h")).find("bcnn_hls::relu<") != std::string::npos);
  CHECK_THROWS_AS(bcnn::hw::template_part(text, "tables", "relu.h"), bcnn::Error);
  for (const char* file : {"defines.h", "bcnn_top.h", "bcnn_top.cpp", "parameters.h"})
    CHECK_NOTHROW(bcnn::hw::template_file(std::string("templates/firmware/") + file));
}
