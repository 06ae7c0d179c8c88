#pragma once
// The reuse architecture (bcnn-compile --architecture reuse; docs/compile.md, "The reuse
// architecture"): one set of engines (bcnn_hls/reuse.h: FFT, complex MAC, dense MAC, ReLU) reused
// layer after layer by a controller (fpga/templates/firmware/bcnn_top_reuse.cpp) on a batch of
// images, the parameters streamed from one flat table through an AXI master, each block row read
// once per batch. For parts too small for one engine per layer. Here: the plan (each layer's
// engine, formats and parameter offsets, from the kinds' hw::HwLayer::reuse_step), the files it
// adds to the project, and its estimate.
#include <cstdint>
#include <string>
#include <vector>

#include "hls/estimate.h"
#include "hw/reuse_step.h"
#include "quant/quantized_model.h"

namespace bcnn {

// Images per pass over the layers when --reuse-batch is not given.
constexpr int default_reuse_batch = 16;

struct ReuseLayerPlan {
  const QuantLayer* layer = nullptr;
  hw::ReuseStep step;
  std::int64_t weights = 0, biases = 0, twiddles = 0;  // offsets into the parameter table
};

struct ReusePlan {
  int batch = default_reuse_batch;
  std::vector<ReuseLayerPlan> layers;  // the layers with an engine, in order (no pass-throughs)
  // The memories of the engine set: the widest activation (values per image), the largest block
  // and block-column count.
  int max_n = 1, max_k = 4, max_q = 1;
  std::vector<std::int64_t> params;  // the flat parameter table
};

// The plan for `model` (formats and parameters as quantized). Throws bcnn::Error for a layer whose
// kind has no engine in the reuse architecture ("--architecture reuse: layer 'NAME' (KIND): expected
// one of the kinds ..., found KIND"), for exact intermediates above 62 bits, for --interface axis
// and for a batch outside 1..1024.
ReusePlan plan_reuse(const QuantizedModel& model, int batch, HlsInterface interface);

// firmware/reuse_layers.h: the sizes of the engine set (BCNN_REUSE_*) and the descriptor table
// bcnn_reuse_layers, one bcnn_hls::reuse_layer per engine step.
std::string reuse_layers_h(const ReusePlan& plan);
// firmware/weights/params_flat.h: the parameter table as exact integers, for the test bench and
// the host (the kernel reads it through its `params` port).
std::string reuse_params_h(const ReusePlan& plan);

// One engine set sized for the largest layer; cycles per batch = the sum over the layers of
// (parameter reads + batch x compute); images/s = batch x clock / cycles (docs/estimator.md).
// The input and output move in words of `axi_bits` bits, several values each.
DesignEstimate estimate_reuse(const QuantizedModel& model, const ReusePlan& plan, const FpgaPart& part,
                              double clock_ns, int axi_bits);

}  // namespace bcnn
