#pragma once
// The kinds that are a new name for the same values (flatten, dropout at inference): no hardware,
// the next layer reads the same array or stream; in and out are one value with one format.
// (flatten of a pixel stream has hardware: hw/flatten.h.)
#include "hw/hw_layer.h"

namespace bcnn::hw {

class HwPassThrough : public HwLayer {
 public:
  bool passes_value_through() const override { return true; }
  void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                const std::optional<FixedFormat>& out_override) const override;
  void validate(const QuantLayer& q) const override;
  // out_t(in), a plain copy when the formats are equal.
  std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const override;
  // A pass (no engine) when the layer has no hardware and in and out are one format.
  bool reuse_step(const QuantLayer& q, ReuseStep& step) const override;
  std::optional<Port> input_port() const override { return std::nullopt; }
  bool has_hardware(const QuantLayer& /*q*/) const override { return false; }
  std::string config_struct(const QuantLayer& /*q*/, const ProjectNames& /*names*/) const override { return {}; }

 protected:
  std::string template_path() const override { return "layers/pass_through.h"; }
};

}  // namespace bcnn::hw
