#pragma once
// What the quantizer gives every hardware kind while it chooses the kind's formats: the options,
// the calibration ranges, the --layer-precision overrides, the report rows and the messages.
#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "quant/quantize.h"

namespace bcnn {
class Layer;
}

namespace bcnn::hw {

class QuantContext {
 public:
  QuantContext(const QuantOptions& options, const Calibration& calibration, QuantReport* report)
      : options_(options), calibration_(calibration), report_(report) {}

  const QuantOptions& options() const { return options_; }
  void set_overrides(std::map<std::string, FixedFormat> overrides) { overrides_ = std::move(overrides); }
  const std::map<std::string, FixedFormat>& overrides() const { return overrides_; }
  // The float layer the kind being quantized folds into itself (HwLayer::folds), or nullptr.
  void set_folded(const Layer* layer) { folded_ = layer; }
  const Layer* folded() const { return folded_; }

  // Throws bcnn::Error prefixed with the model file.
  [[noreturn]] void fail(const std::string& what) const;

  // The calibrated ranges of a layer; fails when missing or not finite.
  const LayerRange& range_of(const std::string& layer) const;
  // The override of layer.field, if any.
  std::optional<FixedFormat> override_of(const std::string& layer, const std::string& field) const;
  // The format of an activation whose observed range is [lo, hi] (--precision when given).
  FixedFormat activation_format(double lo, double hi, int width) const;

  // One row of the report.
  void record(const std::string& layer, const std::string& field, const FixedFormat& f, const std::string& rule,
              double covered_min, double covered_max, bool overridden, double observed_min = NAN,
              double observed_max = NAN);

  // The format of a stored constant (weights, biases, twiddles): the override of layer.field, or
  // `computed` chosen by `rule` to cover [covered_min, covered_max]; recorded, and refused when
  // it cannot be written as exact double literals.
  FixedFormat choose_constant(const std::string& layer, const std::string& field, const FixedFormat& computed,
                              const std::string& rule, double covered_min, double covered_max);
  // The format of an intermediate activation (FFT stages): the override, else --precision's
  // format, else `computed`.
  FixedFormat choose_stage(const std::string& layer, const std::string& field, const FixedFormat& computed,
                           const std::string& rule, double covered_min, double covered_max);
  // The format of the value a layer writes: the override (`out_override`, found by the driver
  // under any key naming the value), else one covering the observed output range.
  FixedFormat choose_output(const std::string& layer, const std::optional<FixedFormat>& out_override,
                            const LayerRange& range);

  // The kernels compute their intermediates exactly in bcnn_hls::fixed types, which hold at most
  // 64 bits; a format whose intermediates would be wider cannot be compiled, so it is refused
  // with the layer and the operation.
  void require_width(const std::string& layer, const FixedFormat& f, const std::string& operation,
                     const std::string& fields) const;

 private:
  const QuantOptions& options_;
  const Calibration& calibration_;
  QuantReport* report_;
  std::map<std::string, FixedFormat> overrides_;  // "layer.field" -> format
  const Layer* folded_ = nullptr;
};

// Constants are written as exact double literals.
constexpr int max_constant_width = 53;

}  // namespace bcnn::hw
