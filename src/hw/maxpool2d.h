#pragma once
// maxpool2d in hardware (bcnn_hls/maxpool2d.h): per output pixel and channel the maximum of the
// window's taps (the first maximum in row-major order; only the value matters), through a line
// buffer of kernel_h rows; `lanes` of its C channels per cycle (knob lanes, 1..C; hw/lanes.h). Its out format is its input's unless overridden
// (then the kernel converts once). docs/fpga.md, "maxpool2d".
#include "hw/pool_window.h"

namespace bcnn::hw {

// A maxpool2d layer's part of QuantLayer (QuantLayer::params).
struct MaxPool2dParams {
  PoolWindow window;
  int lanes = 1;  // channels per cycle (hardware only)
};

class HwMaxPool2d : public HwLayer {
 public:
  std::string_view type() const override { return "maxpool2d"; }
  std::optional<Port> input_port() const override { return Port::pixels; }
  void check_supported(const Layer& layer, const QuantContext& ctx) const override;
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;

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

 protected:
  TemplateValues template_values(const QuantLayer& q, const ProjectNames& names) const override;
};

}  // namespace bcnn::hw
