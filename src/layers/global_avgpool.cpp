#include "layers/global_avgpool.h"

#include "layers/conv_geometry.h"

namespace bcnn {

LayerCost GlobalAvgPool::cost() const {
  const std::int64_t macs = shape_size(input_shape());
  return {0, 0, macs, macs};
}

void GlobalAvgPool::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  const int B = x.batch(), C = input_shape()[0];
  const int HW = static_cast<int>(shape_size(input_shape()) / C);
  y.resize(B, output_shape());
  const float scale = 1.0f / static_cast<float>(HW);
  const int planes = B * C;
#pragma omp parallel for schedule(static) if (parallel : static_cast <long>(planes) * HW > (1L << 15))
  for (int plane = 0; plane < planes; ++plane) {
    const float* in = x.data() + static_cast<std::ptrdiff_t>(plane) * HW;
    float sum = 0.0f;
    for (int i = 0; i < HW; ++i) sum += in[i];
    y[plane] = sum * scale;
  }
}

void GlobalAvgPool::backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  const int B = dy.batch(), C = input_shape()[0];
  const int HW = static_cast<int>(shape_size(input_shape()) / C);
  dx->resize(B, input_shape());
  const float scale = 1.0f / static_cast<float>(HW);
  const int planes = B * C;
#pragma omp parallel for schedule(static) if (parallel : static_cast <long>(planes) * HW > (1L << 15))
  for (int plane = 0; plane < planes; ++plane) {
    float* out = dx->data() + static_cast<std::ptrdiff_t>(plane) * HW;
    std::fill(out, out + HW, dy[plane] * scale);
  }
}

std::unique_ptr<Layer> GlobalAvgPool::from_json(JsonObject& spec, std::string name, const Shape& input) {
  require_image_input(spec, name, input);
  return std::make_unique<GlobalAvgPool>(std::move(name), input);
}

}  // namespace bcnn
