#pragma once
// bc_conv2d in hardware (bcnn_hls/bc_conv2d.h), the FFT processing element: a line buffer of the
// input pixels' channel-block spectra (each pixel transformed once), per output pixel and block
// row a frequency-domain multiply-accumulate over the taps and block columns, an inverse FFT, and
// y * K + bias, as three dataflow processes (hw/spectral_engines.h). Formats in, spec, weight, acc,
// ifft, bias, twiddle, out; the knobs of the engines and the MAC array.
// A following batchnorm is not folded. docs/fpga.md, "bc_conv2d".
#include "hw/fft_stage.h"
#include "hw/hw_layer.h"
#include "hw/spectral_engines.h"

namespace bcnn::hw {

// A bc_conv2d layer's part of QuantLayer (QuantLayer::params). The map sizes are the layer's
// in_shape and out_shape (C, H, W).
struct BcConv2dParams : SpectralParams {
  // The window: kernel, stride and the zero padding before the first row / column ("same"
  // resolved as the float layer resolves it). Weight spectra as (p, q, kernel_h, kernel_w,
  // K/2+1), bias (C_out).
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
};

// How emulate() accumulates the frequency-domain products. Both give the same bits; `fast` is
// only allowed when every += is exact (accumulator_is_exact).
enum class BcConv2dAccumulation { automatic, general, fast };

class HwBcConv2d : public SpectralKind<BcConv2dParams> {
 public:
  std::string_view type() const override { return "bc_conv2d"; }
  std::vector<std::string> format_fields() const override;
  void check_supported(const Layer& layer, const QuantContext& ctx) const override;
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void check_widths(const QuantLayer& q, const QuantContext& ctx) const override;

  void validate(const QuantLayer& q) const override;
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;
  // emulate() with a chosen accumulation path (tests); `fast` throws when the accumulator is not
  // exact.
  std::vector<std::int64_t> emulate_with(const QuantLayer& q, const std::vector<std::int64_t>& in,
                                         BcConv2dAccumulation accumulation) const;
  // True when acc's fraction bits are weight's + spec's and the proven bound of every partial sum
  // fits acc: every conversion to acc_t is then the identity, and plain int64 sums are exact.
  static bool accumulator_is_exact(const QuantLayer& q);

  std::optional<Port> input_port() const override { return Port::pixels; }

  std::vector<std::string> knob_names() const override;  // the spectral knobs and taps
  void apply_parallelism(const LayerParallelism& p, QuantLayer& q) const override;
  bool has_parallelism() const override { return true; }
  StageEstimate estimate(const QuantLayer& q, const FpgaPart& part) const override;
  void choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                          const std::function<void(std::int64_t)>& out_of_reach) const override;

  std::map<std::string, std::string> table_cells(const QuantLayer& q) const override;
  void describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& formats) const override;
  std::string parameter_tables(const QuantLayer& q, const ProjectNames& names) const override;
  std::vector<RuntimeArray> runtime_arrays(const QuantLayer& q, const ProjectNames& names) const override;

 protected:
  TemplateValues template_values(const QuantLayer& q, const ProjectNames& names) const override;
};

}  // namespace bcnn::hw
