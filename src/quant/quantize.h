#pragma once
// From a float model to a QuantizedModel: fixed-point formats chosen per layer from the
// calibration ranges stored in the model and from exact bounds computed from the weights
// (docs/compile.md, "Format selection"), overridable per layer; weight spectra and twiddles
// computed in double and quantized with bcnn_hls::from_double.
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/model_file.h"
#include "quant/quantized_model.h"

namespace bcnn {

// Parallelism of one layer; unset fields keep the kind's default.
struct LayerParallelism {
  // The kind's own knobs by the names it declares (hw::HwLayer::knob_names: bc_dense "block_rows"
  // and "bins", dense "reuse"), from --knob LAYER.NAME=N and its shorthands --block-rows, --bins,
  // --reuse.
  std::map<std::string, int> knobs;
  // --parallelism LAYER=N: about N units at once in the kind's own terms (bc_dense: N block rows;
  // dense: about N multipliers); it wins over the kind's explicit knobs.
  std::optional<int> units;
};

struct QuantOptions {
  // Width of the activation formats (network input, layer outputs, FFT stages); their integer
  // bits come from the calibration ranges.
  int data_width = 16;
  // When set (--precision ap_fixed<...>), every activation format is exactly this one.
  std::optional<FixedFormat> data_format;
  // Width of the stored constants: weight spectra, dense weights, biases, twiddles.
  int weight_width = 18;
  // "layer.field" -> ap_fixed spelling; fields in, out, spec, weight, acc, ifft, bias, twiddle.
  std::map<std::string, std::string> layer_formats;
  // Where each layer_formats entry came from, for messages (default "--layer-precision").
  std::string layer_formats_origin = "--layer-precision";
  std::map<std::string, LayerParallelism> parallelism;  // by layer name
  // The calibration to use instead of the model's stored one (from --calibrate DATA).
  std::optional<Calibration> calibration;
  // The model file, for messages.
  std::string model_path = "model";
};

// One chosen format and the reason for it (rows of report.json / report.md).
struct FormatChoice {
  std::string layer;   // layer name, or "input" for the network input
  std::string field;   // in, out, spec, weight, acc, ifft, bias, twiddle
  FixedFormat format{};
  std::string rule;    // how it was chosen, e.g. "covers the observed range", "exact", "override"
  // The range the integer bits were chosen to cover (observed, or a proven bound).
  double covered_min = 0, covered_max = 0;
  // The range seen on the calibration data, when the value is an activation (NaN otherwise).
  double observed_min = std::numeric_limits<double>::quiet_NaN();
  double observed_max = std::numeric_limits<double>::quiet_NaN();
  bool overridden = false;
};

struct QuantReport {
  std::int64_t calibration_images = 0;
  std::string calibration_source;  // "model file" or the --calibrate directory
  std::vector<FormatChoice> choices;
};

// The precision options shared by bcnn-compile and bcnn-eval --fixed: `precision` is a width
// ("16") or a whole ap_fixed spelling for every activation; `layer_precisions` are
// "LAYER.FIELD=ap_fixed<...>" overrides. Errors name the option.
void apply_precision_options(QuantOptions& options, const std::string& precision, int weight_width,
                             const std::vector<std::string>& layer_precisions);

// The options that reproduce the formats of a generated project exactly: every layer's formats
// from its report.json as overrides (for bcnn-eval --hls).
QuantOptions options_from_project_report(const std::string& report_path, const std::string& model_path);

// Throws bcnn::Error naming the model file, the layer and the field for: no calibration,
// an unsupported layer (bc_dense blocks other than powers of two 4..256), an unknown layer or
// field in an override, an impossible format (width out of 1..64, an exact accumulator wider
// than 64 bits, a constant wider than 53 bits), or a parallelism out of range.
QuantizedModel quantize_model(const LoadedModel& model, const QuantOptions& options,
                              QuantReport* report = nullptr);

// Ranges for --calibrate DIR: runs the model over the first `max_images` images of the training
// split of its dataset (train.dataset in the model's config) read from `data_dir`.
Calibration calibrate_model(LoadedModel& model, const std::string& data_dir, int max_images = 10000);

// The smallest number of integer bits I (at least 1) such that fixed<width, I> holds every value
// of [lo, hi]: -2^(I-1) <= lo and hi <= 2^(I-1) - 2^(I-width).
int integer_bits_for_range(double lo, double hi, int width);

}  // namespace bcnn
