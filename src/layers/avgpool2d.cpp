#include "layers/avgpool2d.h"

#include "layers/maxpool2d.h"

namespace bcnn {

AvgPool2d::AvgPool2d(std::string name, Shape input_shape, const WindowGeometry& geometry)
    : Layer(std::move(name), std::move(input_shape)), g_(geometry) {}

nlohmann::json AvgPool2d::config() const {
  return {{"size", {g_.kernel_h, g_.kernel_w}}, {"stride", {g_.stride_h, g_.stride_w}}};
}

LayerCost AvgPool2d::cost() const {
  const std::int64_t macs = static_cast<std::int64_t>(g_.channels) * g_.output_pixels() * g_.taps();
  return {0, 0, macs, macs};
}

void AvgPool2d::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  const int B = x.batch(), C = g_.channels, HW = g_.input_pixels(), P = g_.output_pixels();
  y.resize(B, output_shape());
  const float scale = 1.0f / static_cast<float>(g_.taps());
  const int planes = B * C;
#pragma omp parallel for schedule(static) if (parallel : static_cast <long>(planes) * HW > (1L << 15))
  for (int plane = 0; plane < planes; ++plane) {
    const float* in = x.data() + static_cast<std::ptrdiff_t>(plane) * HW;
    float* out = y.data() + static_cast<std::ptrdiff_t>(plane) * P;
    for (int oh = 0; oh < g_.out_h; ++oh)
      for (int ow = 0; ow < g_.out_w; ++ow) {
        const float* window = in + oh * g_.stride_h * g_.width + ow * g_.stride_w;
        float sum = 0.0f;
        for (int a = 0; a < g_.kernel_h; ++a)
          for (int b = 0; b < g_.kernel_w; ++b) sum += window[a * g_.width + b];
        out[oh * g_.out_w + ow] = sum * scale;
      }
  }
}

void AvgPool2d::backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  const int B = dy.batch(), C = g_.channels, HW = g_.input_pixels(), P = g_.output_pixels();
  dx->resize(B, input_shape());
  const float scale = 1.0f / static_cast<float>(g_.taps());
  const int planes = B * C;
#pragma omp parallel for schedule(static) if (parallel : static_cast <long>(planes) * HW > (1L << 15))
  for (int plane = 0; plane < planes; ++plane) {
    float* out = dx->data() + static_cast<std::ptrdiff_t>(plane) * HW;
    const float* g = dy.data() + static_cast<std::ptrdiff_t>(plane) * P;
    std::fill(out, out + HW, 0.0f);
    for (int oh = 0; oh < g_.out_h; ++oh)
      for (int ow = 0; ow < g_.out_w; ++ow) {
        float* window = out + oh * g_.stride_h * g_.width + ow * g_.stride_w;
        const float share = g[oh * g_.out_w + ow] * scale;
        for (int a = 0; a < g_.kernel_h; ++a)
          for (int b = 0; b < g_.kernel_w; ++b) window[a * g_.width + b] += share;
      }
  }
}

std::unique_ptr<Layer> AvgPool2d::from_json(JsonObject& spec, std::string name, const Shape& input) {
  WindowGeometry g = read_pool_window(spec, name, input);
  return std::make_unique<AvgPool2d>(std::move(name), input, g);
}

}  // namespace bcnn
