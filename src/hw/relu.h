#pragma once
// relu in hardware (bcnn_hls/relu.h): out = x > 0 ? out_t(x) : 0, one element per cycle on an
// array, one pixel (all its channels) per cycle on a pixel stream. Its out format is its input's
// unless overridden (then the kernel converts).
#include "hw/hw_layer.h"

namespace bcnn::hw {

class HwRelu : public HwLayer {
 public:
  std::string_view type() const override { return "relu"; }
  std::optional<Port> input_port() const override { return std::nullopt; }
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void validate(const QuantLayer& q) const override;
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;
  StageEstimate estimate(const QuantLayer& q, const FpgaPart& part) const override;
};

}  // namespace bcnn::hw
