#pragma once
// conv2d in hardware (bcnn_hls/conv2d.h): a line buffer of kernel_h input rows and, per output
// pixel, outputs_parallel exact accumulators fed inputs_parallel channels per cycle; formats in,
// weight, acc, bias, out. A batchnorm right after the convolution is folded into its weights and
// bias (w' = w * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps), in double before
// quantization), so it costs nothing in hardware. docs/fpga.md, "conv2d".
#include "hw/hw_layer.h"

namespace bcnn::hw {

// A conv2d layer's part of QuantLayer (QuantLayer::params).
struct Conv2dParams {
  FixedFormat weight{}, acc{}, bias{};
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  std::vector<std::int64_t> weights;   // (C_out, kernel_h, kernel_w, C_in) raw in `weight`
  std::vector<std::int64_t> bias_raw;  // C_out, in `bias`
  std::string folded;                  // the batchnorm folded in, or empty
  int outputs_parallel = 1;  // output channels computed at once (hardware only)
  int inputs_parallel = 1;   // input channels per cycle (hardware only)
  int taps_parallel = 1;     // taps per cycle: columns of a row, or whole rows (hardware only; > 1
                             // needs all input channels)
};

class HwConv2d : public HwLayer {
 public:
  std::string_view type() const override { return "conv2d"; }
  std::vector<std::string> format_fields() const override { return {"in", "out", "weight", "acc", "bias"}; }
  std::optional<Port> input_port() const override { return Port::pixels; }
  bool folds(const Layer& layer, const Layer& next) const override;
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void check_widths(const QuantLayer& q, const QuantContext& ctx) const override;

  void validate(const QuantLayer& q) const override;
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;

  std::vector<std::string> knob_names() const override { return {"outputs", "inputs", "taps"}; }
  void apply_parallelism(const LayerParallelism& p, QuantLayer& q) const override;
  bool has_parallelism() const override { return true; }
  StageEstimate estimate(const QuantLayer& q, const FpgaPart& part) const override;
  void choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                          const std::function<void(std::int64_t)>& out_of_reach) const override;

  std::map<std::string, std::string> table_cells(const QuantLayer& q) const override;
  void describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& formats) const override;
  std::string parameter_tables(const QuantLayer& q, const ProjectNames& names) const override;

 protected:
  TemplateValues template_values(const QuantLayer& q, const ProjectNames& names) const override;
};

}  // namespace bcnn::hw
