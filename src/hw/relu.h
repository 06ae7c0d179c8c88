#pragma once
// relu in hardware (bcnn_hls/relu.h): out = x > 0 ? out_t(x) : 0, one element per cycle on an
// array; on a pixel stream `lanes` of its C channels per cycle (knob lanes, 1..C; hw/lanes.h).
// Its out format is its input's unless overridden (then the kernel converts).
#include "hw/hw_layer.h"

namespace bcnn::hw {

// A relu layer's part of QuantLayer (QuantLayer::params); a relu without it has one lane.
struct ReluParams {
  int lanes = 1;  // channels per cycle on a pixel stream (hardware only)
};

class HwRelu : public HwLayer {
 public:
  std::string_view type() const override { return "relu"; }
  std::optional<Port> input_port() const override { return std::nullopt; }
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void validate(const QuantLayer& q) const override;
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;
  bool reuse_step(const QuantLayer& q, ReuseStep& step) const override;

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

 protected:
  TemplateValues template_values(const QuantLayer& q, const ProjectNames& names) const override;
};

// q's lanes: 1 when it has no ReluParams.
int relu_lanes(const QuantLayer& q);

}  // namespace bcnn::hw
