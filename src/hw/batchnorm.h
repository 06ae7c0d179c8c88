#pragma once
// batchnorm in hardware (bcnn_hls/batchnorm.h): out = out_t(x * scale[c] + shift[c]) per channel,
// exact product and sum, one conversion; scale = gamma / sqrt(running_var + eps) and shift =
// beta - running_mean * scale computed in double and stored in formats scale and shift (weight
// width). Element-wise: on an array (one value per cycle) or a pixel stream (`lanes` of its C
// channels per cycle: knob lanes, 1..C; hw/lanes.h). A batchnorm after conv2d is folded into the convolution and never reaches this kind.
// docs/fpga.md, "batchnorm".
#include "hw/hw_layer.h"

namespace bcnn::hw {

// A batchnorm layer's part of QuantLayer (QuantLayer::params).
struct BatchNormParams {
  FixedFormat scale{}, shift{};
  std::vector<std::int64_t> scale_raw, shift_raw;  // per channel, in `scale` and `shift`
  int lanes = 1;  // channels per cycle on a pixel stream (hardware only)
};

class HwBatchNorm : public HwLayer {
 public:
  std::string_view type() const override { return "batchnorm"; }
  std::vector<std::string> format_fields() const override { return {"in", "out", "scale", "shift"}; }
  std::optional<Port> input_port() const override { return std::nullopt; }
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void check_widths(const QuantLayer& q, const QuantContext& ctx) const override;

  void validate(const QuantLayer& q) const override;
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;

  std::vector<std::string> knob_names() const override { return {"lanes"}; }
  void apply_parallelism(const LayerParallelism& p, QuantLayer& q) const override;
  bool has_parallelism() const override { return true; }
  StageEstimate estimate(const QuantLayer& q, const FpgaPart& part) const override;
  void choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                          const std::function<void(std::int64_t)>& out_of_reach) const override;
  bool balanced_by_default() const override { return true; }
  void balance(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii) const override;
  std::map<std::string, std::string> table_cells(const QuantLayer& q) const override;
  void describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& formats) const override;
  std::string parameter_tables(const QuantLayer& q, const ProjectNames& names) const override;

 protected:
  TemplateValues template_values(const QuantLayer& q, const ProjectNames& names) const override;
};

}  // namespace bcnn::hw
