#include "hw/quant_context.h"

#include "core/error.h"
#include "hw/fixed_format.h"

namespace bcnn::hw {

void QuantContext::fail(const std::string& what) const { throw Error(options_.model_path + ": " + what); }

const LayerRange& QuantContext::range_of(const std::string& layer) const {
  auto it = calibration_.layers.find(layer);
  if (it == calibration_.layers.end())
    fail("the calibration has no ranges for layer " + layer + " (rerun with --calibrate DATA_DIR)");
  const LayerRange& r = it->second;
  for (double v : {r.input_min, r.input_max, r.output_min, r.output_max})
    if (!std::isfinite(v))
      fail("the calibration range of layer " + layer + " is not finite (rerun with --calibrate DATA_DIR)");
  return r;
}

std::optional<FixedFormat> QuantContext::override_of(const std::string& layer, const std::string& field) const {
  auto it = overrides_.find(layer + "." + field);
  if (it == overrides_.end()) return std::nullopt;
  return it->second;
}

FixedFormat QuantContext::activation_format(double lo, double hi, int width) const {
  if (options_.data_format) return *options_.data_format;
  return data_format(width, integer_bits_for_range(lo, hi, width));
}

void QuantContext::record(const std::string& layer, const std::string& field, const FixedFormat& f,
                          const std::string& rule, double covered_min, double covered_max, bool overridden,
                          double observed_min, double observed_max) {
  if (!report_) return;
  FormatChoice c;
  c.layer = layer;
  c.field = field;
  c.format = f;
  c.rule = rule;
  c.covered_min = covered_min;
  c.covered_max = covered_max;
  c.observed_min = observed_min;
  c.observed_max = observed_max;
  c.overridden = overridden;
  report_->choices.push_back(c);
}

FixedFormat QuantContext::choose_constant(const std::string& layer, const std::string& field,
                                          const FixedFormat& computed, const std::string& rule, double covered_min,
                                          double covered_max) {
  FixedFormat f = computed;
  if (auto o = override_of(layer, field)) {
    f = *o;
    record(layer, field, f, "override", format_min(f), format_max(f), true);
  } else {
    record(layer, field, f, rule, covered_min, covered_max, false);
  }
  if (f.width > max_constant_width)
    fail("layer " + layer + " " + field + ": impossible format " + format_name(f) +
         ": constants are written as exact double literals, so at most " + std::to_string(max_constant_width) +
         " bits are possible, found " + std::to_string(f.width));
  return f;
}

FixedFormat QuantContext::choose_stage(const std::string& layer, const std::string& field,
                                       const FixedFormat& computed, const std::string& rule, double covered_min,
                                       double covered_max) {
  if (auto o = override_of(layer, field)) {
    record(layer, field, *o, "override", format_min(*o), format_max(*o), true);
    return *o;
  }
  if (options_.data_format) {
    const FixedFormat f = *options_.data_format;
    record(layer, field, f, "--precision", format_min(f), format_max(f), false);
    return f;
  }
  record(layer, field, computed, rule, covered_min, covered_max, false);
  return computed;
}

FixedFormat QuantContext::choose_output(const std::string& layer, const std::optional<FixedFormat>& out_override,
                                        const LayerRange& range) {
  if (out_override) {
    record(layer, "out", *out_override, "override", format_min(*out_override), format_max(*out_override), true,
           range.output_min, range.output_max);
    return *out_override;
  }
  const FixedFormat f = activation_format(range.output_min, range.output_max, options_.data_width);
  record(layer, "out", f, options_.data_format ? "--precision" : "covers the observed range", range.output_min,
         range.output_max, false, range.output_min, range.output_max);
  return f;
}

void QuantContext::require_width(const std::string& layer, const FixedFormat& f, const std::string& operation,
                                 const std::string& fields) const {
  if (f.width > 64)
    fail("layer " + layer + ": impossible formats: " + operation + " needs " + std::to_string(f.width) +
         " bits, at most 64 are possible: narrow " + fields);
}

}  // namespace bcnn::hw
