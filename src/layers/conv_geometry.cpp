#include "layers/conv_geometry.h"

#include "core/error.h"

namespace bcnn {
namespace {

std::string pair_string(int h, int w) { return std::to_string(h) + "x" + std::to_string(w); }

// ceil(a / b) for a >= 0, b > 0.
int ceil_div(int a, int b) { return (a + b - 1) / b; }

}  // namespace

void fail_layer(const JsonObject& spec, const std::string& layer, const std::string& key, const std::string& expected,
                const std::string& found) {
  throw Error(spec.origin() + ": " + spec.pointer_of(key) + ": layer \"" + layer + "\": expected " + expected +
              ", found " + found);
}

int read_int(JsonObject& spec, const std::string& layer, const std::string& key, std::optional<int> fallback, int min,
             int max) {
  const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  spec.mark_known(key);
  if (!spec.has(key)) {
    if (fallback) return *fallback;
    fail_layer(spec, layer, key, expected + " (this key is required)", "nothing");
  }
  const auto& v = spec.raw(key);
  if (!v.is_number_integer() || v.get<long>() < min || v.get<long>() > max)
    fail_layer(spec, layer, key, expected, describe_json(v));
  return static_cast<int>(v.get<long>());
}

std::array<int, 2> read_int_pair(JsonObject& spec, const std::string& layer, const std::string& key,
                                 std::optional<std::array<int, 2>> fallback, int min, int max) {
  const std::string expected =
      "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "] or an array [h, w] of two";
  spec.mark_known(key);
  if (!spec.has(key)) {
    if (fallback) return *fallback;
    fail_layer(spec, layer, key, expected + " (this key is required)", "nothing");
  }
  const auto& v = spec.raw(key);
  auto as_int = [&](const nlohmann::json& e) {
    if (!e.is_number_integer() || e.get<long>() < min || e.get<long>() > max)
      fail_layer(spec, layer, key, expected, describe_json(v));
    return static_cast<int>(e.get<long>());
  };
  if (v.is_array()) {
    if (v.size() != 2) fail_layer(spec, layer, key, expected, describe_json(v));
    return {as_int(v[0]), as_int(v[1])};
  }
  int n = as_int(v);
  return {n, n};
}

Padding read_padding(JsonObject& spec, const std::string& layer) {
  spec.mark_known("padding");
  if (!spec.has("padding")) return {};
  const auto& v = spec.raw("padding");
  const std::string expected = "an integer in [0, 4096] or \"same\"";
  if (v.is_string()) {
    if (v.get<std::string>() != "same") fail_layer(spec, layer, "padding", expected, describe_json(v));
    return {true, 0};
  }
  if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 4096)
    fail_layer(spec, layer, "padding", expected, describe_json(v));
  return {false, static_cast<int>(v.get<long>())};
}

void require_image_input(const JsonObject& spec, const std::string& layer, const Shape& input) {
  if (input.size() != 3)
    spec.fail_here(
        "layer \"" + layer + "\": expected a (C, H, W) image input, found shape " + shape_string(input) +
        (input.size() == 1 ? " (a convolution or pooling layer cannot follow a flatten or dense layer)" : ""));
}

WindowGeometry make_window(const JsonObject& spec, const std::string& layer, const Shape& input,
                           std::array<int, 2> kernel, std::array<int, 2> stride, Padding padding,
                           const std::string& kernel_key) {
  require_image_input(spec, layer, input);
  WindowGeometry g;
  g.channels = input[0];
  g.height = input[1];
  g.width = input[2];
  g.kernel_h = kernel[0];
  g.kernel_w = kernel[1];
  g.stride_h = stride[0];
  g.stride_w = stride[1];
  if (padding.same) {
    g.out_h = ceil_div(g.height, g.stride_h);
    g.out_w = ceil_div(g.width, g.stride_w);
    const int total_h = std::max((g.out_h - 1) * g.stride_h + g.kernel_h - g.height, 0);
    const int total_w = std::max((g.out_w - 1) * g.stride_w + g.kernel_w - g.width, 0);
    g.pad_top = total_h / 2;
    g.pad_bottom = total_h - g.pad_top;
    g.pad_left = total_w / 2;
    g.pad_right = total_w - g.pad_left;
  } else {
    g.pad_top = g.pad_bottom = g.pad_left = g.pad_right = padding.size;
    const int padded_h = g.height + 2 * padding.size, padded_w = g.width + 2 * padding.size;
    if (g.kernel_h > padded_h || g.kernel_w > padded_w)
      fail_layer(spec, layer, kernel_key,
                 "a window that fits the " + pair_string(padded_h, padded_w) + " padded input (input " +
                     shape_string(input) + ", padding " + std::to_string(padding.size) + ")",
                 pair_string(g.kernel_h, g.kernel_w));
    g.out_h = (padded_h - g.kernel_h) / g.stride_h + 1;
    g.out_w = (padded_w - g.kernel_w) / g.stride_w + 1;
  }
  return g;
}

}  // namespace bcnn
