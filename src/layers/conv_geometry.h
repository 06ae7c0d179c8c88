#pragma once
// The geometry of a window sliding over (C, H, W) images, shared by conv2d, bc_conv2d and the
// pooling layers: kernel, stride, zero padding and output size, read from a layer's JSON with
// errors that name the layer, and im2col / col2im over one image (float for conv2d, complex
// spectra for bc_conv2d, which gathers in the frequency domain).
#include <algorithm>
#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/tensor.h"
#include "net/json_reader.h"

namespace bcnn {

// Zero padding as written in JSON: `size` rows/columns on every side, or "same".
// "same" follows TensorFlow: out = ceil(in / stride), the total padding
// max((out - 1) * stride + kernel - in, 0) split with the odd one at the bottom/right; with
// stride 1 and an odd kernel that is (kernel - 1) / 2 on every side.
struct Padding {
  bool same = false;
  int size = 0;
  nlohmann::json to_json() const { return same ? nlohmann::json("same") : nlohmann::json(size); }
};

struct WindowGeometry {
  int channels = 0, height = 0, width = 0;  // input (C, H, W)
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int out_h = 0, out_w = 0;

  int input_pixels() const { return height * width; }
  int output_pixels() const { return out_h * out_w; }
  int taps() const { return kernel_h * kernel_w; }
  // True when im2col is the identity (1x1 kernel, stride 1, no padding).
  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 && pad_left == 0 &&
           pad_bottom == 0 && pad_right == 0;
  }
};

// "<origin>: <pointer>/<key>: layer "<layer>": expected <expected>, found <found>".
[[noreturn]] void fail_layer(const JsonObject& spec, const std::string& layer, const std::string& key,
                             const std::string& expected, const std::string& found);

// `key`: an integer in [min, max]; `fallback` when absent (required when nullopt).
int read_int(JsonObject& spec, const std::string& layer, const std::string& key, std::optional<int> fallback, int min,
             int max);
// `key`: an integer n (meaning [n, n]) or [h, w], each in [min, max]; `fallback` when absent
// (required when nullopt).
std::array<int, 2> read_int_pair(JsonObject& spec, const std::string& layer, const std::string& key,
                                 std::optional<std::array<int, 2>> fallback, int min, int max);
// "padding": an integer >= 0 or "same"; 0 when absent.
Padding read_padding(JsonObject& spec, const std::string& layer);

// Requires a (C, H, W) input.
void require_image_input(const JsonObject& spec, const std::string& layer, const Shape& input);

// Resolves padding and output size; the window must fit the padded input (errors point at
// `kernel_key`).
WindowGeometry make_window(const JsonObject& spec, const std::string& layer, const Shape& input,
                           std::array<int, 2> kernel, std::array<int, 2> stride, Padding padding,
                           const std::string& kernel_key);

// im2col of one image: channel c is image[c * channel_stride + h * width + w]; row
// (c * kernel_h + a) * kernel_w + b of `col` (row stride `ld`) holds, at column oh * out_w + ow,
// the input at (oh * stride_h + a - pad_top, ow * stride_w + b - pad_left), 0 in the padding.
template <class T>
void im2col(const WindowGeometry& g, int channels, const T* image, std::ptrdiff_t channel_stride, T* col,
            std::ptrdiff_t ld) {
  for (int c = 0; c < channels; ++c)
    for (int a = 0; a < g.kernel_h; ++a)
      for (int b = 0; b < g.kernel_w; ++b) {
        T* dst = col + (static_cast<std::ptrdiff_t>(c * g.kernel_h + a) * g.kernel_w + b) * ld;
        // Output columns whose input column lies inside the image: ow in [ow0, ow1).
        const int shift = b - g.pad_left;
        const int ow0 = shift >= 0 ? 0 : std::min(g.out_w, (-shift + g.stride_w - 1) / g.stride_w);
        const int ow1 = g.width - shift <= 0 ? 0 : std::min(g.out_w, (g.width - shift + g.stride_w - 1) / g.stride_w);
        for (int oh = 0; oh < g.out_h; ++oh, dst += g.out_w) {
          const int ih = oh * g.stride_h + a - g.pad_top;
          if (ih < 0 || ih >= g.height || ow1 <= ow0) {
            std::fill(dst, dst + g.out_w, T{});
            continue;
          }
          const T* row = image + c * channel_stride + static_cast<std::ptrdiff_t>(ih) * g.width;
          std::fill(dst, dst + ow0, T{});
          if (g.stride_w == 1)
            std::copy(row + ow0 + shift, row + ow1 + shift, dst + ow0);
          else
            for (int ow = ow0; ow < ow1; ++ow) dst[ow] = row[ow * g.stride_w + shift];
          std::fill(dst + ow1, dst + g.out_w, T{});
        }
      }
}

// The adjoint of im2col: adds every column entry into the image position it was read from
// (padding entries are dropped). The image is accumulated into, not overwritten.
template <class T>
void col2im(const WindowGeometry& g, int channels, const T* col, std::ptrdiff_t ld, T* image,
            std::ptrdiff_t channel_stride) {
  for (int c = 0; c < channels; ++c)
    for (int a = 0; a < g.kernel_h; ++a)
      for (int b = 0; b < g.kernel_w; ++b) {
        const T* src = col + (static_cast<std::ptrdiff_t>(c * g.kernel_h + a) * g.kernel_w + b) * ld;
        const int shift = b - g.pad_left;
        const int ow0 = shift >= 0 ? 0 : std::min(g.out_w, (-shift + g.stride_w - 1) / g.stride_w);
        const int ow1 = g.width - shift <= 0 ? 0 : std::min(g.out_w, (g.width - shift + g.stride_w - 1) / g.stride_w);
        for (int oh = 0; oh < g.out_h; ++oh, src += g.out_w) {
          const int ih = oh * g.stride_h + a - g.pad_top;
          if (ih < 0 || ih >= g.height) continue;
          T* row = image + c * channel_stride + static_cast<std::ptrdiff_t>(ih) * g.width;
          if (g.stride_w == 1) {
            T* dst = row + shift;  // stays inside the row for ow in [ow0, ow1)
            for (int ow = ow0; ow < ow1; ++ow) dst[ow] += src[ow];
          } else {
            for (int ow = ow0; ow < ow1; ++ow) row[ow * g.stride_w + shift] += src[ow];
          }
        }
      }
}

}  // namespace bcnn
