#pragma once
// global_avgpool in hardware (bcnn_hls/global_avgpool.h): reads a pixel stream (`lanes`
// of its C channels per cycle: knob lanes, 1..C; hw/lanes.h), and writes an array of its C channel means: the exact sum of the channel's H * W values
// times the stored constant 1 / (H * W), one conversion. Formats in, out, acc (exact), scale (a
// constant of the weight width). docs/fpga.md, "global_avgpool".
#include "hw/pool_window.h"

namespace bcnn::hw {

// A global_avgpool layer's part of QuantLayer (QuantLayer::params).
struct GlobalAvgPoolParams {
  FixedFormat acc{}, scale{};
  std::int64_t scale_raw = 0;  // 1 / (H * W), in `scale`
  int lanes = 1;  // channels per cycle (hardware only)
};

class HwGlobalAvgPool : public HwLayer {
 public:
  std::string_view type() const override { return "global_avgpool"; }
  std::vector<std::string> format_fields() const override { return {"in", "out", "acc", "scale"}; }
  std::optional<Port> input_port() const override { return Port::pixels; }
  Port output_port(Port /*input*/) const override { return Port::array; }
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
