#include "layers/maxpool2d.h"

#include <omp.h>

namespace bcnn {

WindowGeometry read_pool_window(JsonObject& spec, const std::string& name, const Shape& input) {
  auto size = read_int_pair(spec, name, "size", std::nullopt, 1, 4096);
  auto stride = read_int_pair(spec, name, "stride", size, 1, 4096);
  return make_window(spec, name, input, size, stride, Padding{}, "size");
}

MaxPool2d::MaxPool2d(std::string name, Shape input_shape, const WindowGeometry& geometry)
    : Layer(std::move(name), std::move(input_shape)), g_(geometry) {}

nlohmann::json MaxPool2d::config() const {
  return {{"size", {g_.kernel_h, g_.kernel_w}}, {"stride", {g_.stride_h, g_.stride_w}}};
}

void MaxPool2d::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  const int B = x.batch(), C = g_.channels, HW = g_.input_pixels(), P = g_.output_pixels();
  y.resize(B, output_shape());
  const std::size_t outputs = static_cast<std::size_t>(B) * C * P;
  if (argmax_.size() < outputs) argmax_.resize(outputs);
  const int planes = B * C;
  const bool two_by_two = g_.kernel_h == 2 && g_.kernel_w == 2 && g_.stride_h == 2 && g_.stride_w == 2;
#pragma omp parallel for schedule(static) if (parallel : static_cast <long>(planes) * HW > (1L << 15))
  for (int plane = 0; plane < planes; ++plane) {
    const float* in = x.data() + static_cast<std::ptrdiff_t>(plane) * HW;
    float* out = y.data() + static_cast<std::ptrdiff_t>(plane) * P;
    std::int32_t* arg = argmax_.data() + static_cast<std::ptrdiff_t>(plane) * P;
    if (two_by_two) {
      // The common 2x2 window with stride 2, written so that the compiler vectorizes it; the same
      // comparisons in the same order as the general loop below.
      const int W = g_.width, out_w = g_.out_w;
      for (int oh = 0; oh < g_.out_h; ++oh) {
        const float* r0 = in + static_cast<std::ptrdiff_t>(2 * oh) * W;
        const float* r1 = r0 + W;
        float* o = out + oh * out_w;
        std::int32_t* ai = arg + oh * out_w;
        const int row0 = 2 * oh * W;
#pragma omp simd
        for (int ow = 0; ow < out_w; ++ow) {
          const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
          const bool take_b = b > a;
          float best = take_b ? b : a;
          int offset = take_b ? 1 : 0;
          const bool take_c = c > best;
          best = take_c ? c : best;
          offset = take_c ? W : offset;
          const bool take_d = d > best;
          best = take_d ? d : best;
          offset = take_d ? W + 1 : offset;
          o[ow] = best;
          ai[ow] = row0 + 2 * ow + offset;
        }
      }
      continue;
    }
    for (int oh = 0; oh < g_.out_h; ++oh)
      for (int ow = 0; ow < g_.out_w; ++ow) {
        const int h0 = oh * g_.stride_h, w0 = ow * g_.stride_w;
        int best_index = h0 * g_.width + w0;
        float best = in[best_index];
        for (int a = 0; a < g_.kernel_h; ++a)
          for (int b = 0; b < g_.kernel_w; ++b) {
            const int index = (h0 + a) * g_.width + w0 + b;
            if (in[index] > best) {  // strict: ties keep the first maximum
              best = in[index];
              best_index = index;
            }
          }
        out[oh * g_.out_w + ow] = best;
        arg[oh * g_.out_w + ow] = best_index;
      }
  }
}

void MaxPool2d::backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  const int B = dy.batch(), C = g_.channels, HW = g_.input_pixels(), P = g_.output_pixels();
  dx->resize(B, input_shape());
  const int planes = B * C;
#pragma omp parallel for schedule(static) if (parallel : static_cast <long>(planes) * HW > (1L << 15))
  for (int plane = 0; plane < planes; ++plane) {
    float* out = dx->data() + static_cast<std::ptrdiff_t>(plane) * HW;
    const float* g = dy.data() + static_cast<std::ptrdiff_t>(plane) * P;
    const std::int32_t* arg = argmax_.data() + static_cast<std::ptrdiff_t>(plane) * P;
    std::fill(out, out + HW, 0.0f);
    for (int i = 0; i < P; ++i) out[arg[i]] += g[i];
  }
}

std::unique_ptr<Layer> MaxPool2d::from_json(JsonObject& spec, std::string name, const Shape& input) {
  WindowGeometry g = read_pool_window(spec, name, input);
  return std::make_unique<MaxPool2d>(std::move(name), input, g);
}

}  // namespace bcnn
