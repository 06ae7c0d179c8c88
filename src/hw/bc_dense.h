#pragma once
// bc_dense in hardware (bcnn_hls/bc_dense.h): forward FFT of every input block, frequency-domain
// multiply-accumulate against the stored weight spectra, inverse FFT per block row, y * K + bias.
// Formats in, spec, weight, acc, ifft, bias, twiddle, out. Three dataflow processes (forward
// transforms, frequency-domain MAC array, inverse transforms) with their knobs: fft_units and
// fft_lanes, block_rows x bins x block_cols, ifft_units and ifft_lanes. docs/fpga.md, "bc_dense".
#include "hw/fft_stage.h"
#include "hw/hw_layer.h"
#include "hw/spectral_engines.h"

namespace bcnn::hw {

// A bc_dense layer's part of QuantLayer (QuantLayer::params): the shared part of the
// block-circulant kinds; weight spectra as (p, q, K/2+1), bias (n_out).
struct BcDenseParams : SpectralParams {};

class HwBcDense : public SpectralKind<BcDenseParams> {
 public:
  std::string_view type() const override { return "bc_dense"; }
  std::vector<std::string> format_fields() const override;
  void check_supported(const Layer& layer, const QuantContext& ctx) const override;
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void check_widths(const QuantLayer& q, const QuantContext& ctx) const override;

  void validate(const QuantLayer& q) const override;
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;
  bool reuse_step(const QuantLayer& q, ReuseStep& step) const override;

  std::vector<std::string> knob_names() const override { return spectral_knob_names(); }
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
