#pragma once
// A model in fixed point: every layer's formats and its parameters quantized to raw integers.
// It is what bcnn-compile emits as HLS headers and what bcnn-eval --fixed runs, so both see the
// same bits. docs/fpga.md gives the arithmetic of every layer, operation by operation.
#include <any>
#include <cstdint>
#include <string>
#include <vector>

#include "bcnn_hls/fixed.h"
#include "io/model_file.h"

namespace bcnn {

using FixedFormat = bcnn_hls::format;

// The ap_fixed spelling, e.g. "ap_fixed<16, 6, AP_RND, AP_SAT>".
std::string format_name(const FixedFormat& f);
// Parses the ap_fixed spelling; throws bcnn::Error naming `what` (e.g. "--precision fc1.out")
// for anything else or for an impossible format (width 0 or above 64).
FixedFormat parse_format(const std::string& text, const std::string& what);

// One layer in fixed point. What every layer has is here; everything else belongs to its hardware
// kind (src/hw/<type>.h, found by `type` in hw/registry): its formats, geometry, quantized
// constants and parallelism knobs, in the kind's own struct (e.g. hw::BcDenseParams) held in
// `params` and reached with hw::params_of<T>(layer).
struct QuantLayer {
  std::string type;  // the JSON layer type, the name of its hardware kind ("bc_dense", ...)
  std::string name;
  int n_in = 0, n_out = 0;

  // `in` is the previous layer's `out` (the network input's format for the first layer).
  FixedFormat in{}, out{};

  // The shapes of the float layer's input and output: (C, H, W) for feature maps, (n) for
  // vectors. The emulator keeps every value in C order (C, H, W), as the float network does.
  std::vector<int> in_shape, out_shape;
  // How the value travels in the generated top function: false, an array of n values; true, a
  // stream of pixels in raster order, each the C channels of one position (bcnn_hls/pixels.h).
  // Set by the quantizer from the kinds' ports (hw::HwLayer::input_port, output_port).
  bool in_pixels = false, out_pixels = false;

  std::any params;  // the kind's parameters; empty for kinds without any (relu, flatten, dropout)

  // Calibrated ranges the formats were chosen from (for the report).
  double observed_in_min = 0, observed_in_max = 0, observed_out_min = 0, observed_out_max = 0;
};

struct QuantizedModel {
  std::vector<int> input_shape;  // (C, H, W)
  int n_in = 0, n_out = 0;
  FixedFormat input{};           // format of the network input
  std::vector<QuantLayer> layers;
};

}  // namespace bcnn
