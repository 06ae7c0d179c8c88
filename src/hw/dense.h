#pragma once
// dense in hardware (bcnn_hls/dense.h): y = W x + b with an exact accumulator per output; formats
// in, weight, acc, bias, out; knob reuse_factor (ceil(n_in / R) multipliers). docs/fpga.md, "dense".
#include "hw/hw_layer.h"

namespace bcnn::hw {

// A dense layer's part of QuantLayer (QuantLayer::params).
struct DenseParams {
  FixedFormat weight{}, acc{}, bias{};
  std::vector<std::int64_t> weights;   // (n_out, n_in) raw in `weight`
  std::vector<std::int64_t> bias_raw;  // n_out, in `bias`
  int reuse_factor = 1;  // multipliers shared by this many products (hardware only)
};

class HwDense : public HwLayer {
 public:
  std::string_view type() const override { return "dense"; }
  std::vector<std::string> format_fields() const override { return {"in", "out", "weight", "acc", "bias"}; }
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void check_widths(const QuantLayer& q, const QuantContext& ctx) const override;

  void validate(const QuantLayer& q) const override;
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;
  bool reuse_step(const QuantLayer& q, ReuseStep& step) const override;

  std::vector<std::string> knob_names() const override { return {"reuse"}; }
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
