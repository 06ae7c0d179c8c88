#pragma once
// One hardware layer kind (dense, bc_dense, relu, flatten, dropout, ...): everything the compiler
// knows about the kind lives in its object, behind hw/registry. The quantizer, the emulator, the
// estimator and the project writer are drivers that loop over a model's layers and call these
// methods; none of them names a kind. docs/compile.md, "Adding a hardware kind".
//
// The data of one layer is a QuantLayer (quant/quantized_model.h); a kind reads and writes the
// fields it documents there. Parallelism knobs change how many units work at once, never a bit of
// the result: emulate() does not read them.
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hls/estimate.h"
#include "hw/quant_context.h"
#include "hw/reuse_step.h"
#include "hw/template_writer.h"
#include "layers/layer.h"
#include "quant/quantize.h"

namespace bcnn::hw {

// How a value travels between two layers of the generated top function.
enum class Port {
  array,   // an array of n values (a ping-pong buffer between dataflow processes)
  pixels,  // a FIFO of pixels in raster order, each the C channels of one position
};

// The names a layer has in the generated project.
struct ProjectNames {
  std::string id;      // C identifier of the layer
  std::string config;  // its configuration struct, <id>_config
};

// A parameter array loaded at run time: `type name[dims...]`, static in the top function and
// bound to UltraRAM, written from the `params` port with `raw` (row-major) before the images run.
struct RuntimeArray {
  std::string name, type;
  std::vector<int> dims;
  std::vector<std::int64_t> raw;
};

class HwLayer {
 public:
  virtual ~HwLayer() = default;

  // The JSON layer type this kind compiles ("bc_dense").
  virtual std::string_view type() const = 0;

  // --- numbers ------------------------------------------------------------------------------------
  // The fields --layer-precision may set, "in" and "out" first.
  virtual std::vector<std::string> format_fields() const { return {"in", "out"}; }
  // Pass-throughs (flatten, dropout) write the value they read: their in and out are one value.
  virtual bool passes_value_through() const { return false; }
  // Refuses a float layer the hardware cannot compute (messages via ctx.fail).
  virtual void check_supported(const Layer& /*layer*/, const QuantContext& /*ctx*/) const {}
  // Chooses q's formats (q.in is set: the previous value's format) and quantizes the layer's
  // parameters. `in_origin` says where q.in came from, for the report; `out_override` is the
  // override of the value the layer writes, under any key that names it.
  virtual void quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                        const std::optional<FixedFormat>& out_override) const = 0;
  // Refuses formats whose exact intermediates need more than 64 bits (ctx.require_width).
  virtual void check_widths(const QuantLayer& /*q*/, const QuantContext& /*ctx*/) const {}

  // --- emulation (bcnn-eval --fixed, the expected results of the test bench) ----------------------
  // Checks everything emulate() relies on beyond what every layer shares (n_in, in, out): the
  // kind's formats, parameter sizes and ranges, exact widths. Throws naming the layer.
  virtual void validate(const QuantLayer& q) const = 0;
  // The layer's raw outputs (n_out, in q.out) for its raw inputs (n_in, in q.in), operation for
  // operation as the kind's bcnn_hls kernel computes them.
  virtual std::vector<std::int64_t> emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const = 0;

  // --- streaming ----------------------------------------------------------------------------------
  // How the layer's input travels in the top function (QuantLayer::in_pixels): an array, a pixel
  // stream, or (nullopt) whatever the previous layer writes (element-wise kinds, pass-throughs).
  virtual std::optional<Port> input_port() const { return Port::array; }
  // The port it writes, given the port it reads.
  virtual Port output_port(Port input) const { return input_port() ? *input_port() : input; }
  // Whether the kind absorbs `next`, the float layer after it, into its own arithmetic (conv2d
  // folds a following batchnorm); the quantizer then hands `next` to quantize() through
  // QuantContext::folded() and leaves it out of the quantized model.
  virtual bool folds(const Layer& /*layer*/, const Layer& /*next*/) const { return false; }

  // --- hardware -----------------------------------------------------------------------------------
  // False for layers that are only a new name for the same values (dropout; flatten of an array).
  virtual bool has_hardware(const QuantLayer& /*q*/) const { return true; }
  // The names of the knobs this kind takes (--knob LAYER.NAME=N); none by default. The quantizer
  // refuses any other name for a layer of this kind.
  virtual std::vector<std::string> knob_names() const { return {}; }
  // Sets q's knobs from the options (p.knobs holds only names of knob_names()); throws for values
  // out of range.
  virtual void apply_parallelism(const LayerParallelism& /*p*/, QuantLayer& /*q*/) const {}
  // Whether choose_parallelism() can change the layer's II.
  virtual bool has_parallelism() const { return false; }
  // The stage of the dataflow pipeline (without its output channel); only with has_hardware(q).
  virtual StageEstimate estimate(const QuantLayer& q, const FpgaPart& part) const;
  // Sets the knobs to the cheapest ones whose II is at most target_ii; when none reaches it,
  // calls out_of_reach with the best II and takes (about) the fastest.
  virtual void choose_parallelism(QuantLayer& /*q*/, const FpgaPart& /*part*/, std::int64_t /*target_ii*/,
                                  const std::function<void(std::int64_t best_ii)>& /*out_of_reach*/) const {}
  // Kinds whose default knobs follow the slowest other stage (dense; relu, batchnorm and the pools,
  // whose `lanes` matter on pixel streams): balance() sets the cheapest knobs within target_ii.
  virtual bool balanced_by_default() const { return false; }
  virtual void balance(QuantLayer& /*q*/, const FpgaPart& /*part*/, std::int64_t /*target_ii*/) const {}
  // Kinds whose weights may live in UltraRAM instead of block RAM (knob `uram`; place_weights in
  // hls/estimate.h moves them when block RAM runs short): such weights are loaded at run time
  // through the top function's `params` port (runtime_arrays), since UltraScale+ UltraRAM holds
  // no initial contents.
  virtual bool can_use_uram(const QuantLayer& /*q*/) const { return false; }
  virtual bool weights_in_uram(const QuantLayer& /*q*/) const { return false; }
  virtual void set_weights_in_uram(QuantLayer& /*q*/, bool /*uram*/) const {}

  // --- the reuse architecture (hw/reuse_step.h, bcnn_hls/reuse.h) ---------------------------------
  // Fills `step`: the shared engine that computes q, its formats and its parameters in the
  // engine's order; checks that its exact intermediates fit the engines' 62 bits (throws naming
  // the layer). False: the kind has no engine in the reuse architecture.
  virtual bool reuse_step(const QuantLayer& /*q*/, ReuseStep& /*step*/) const { return false; }

  // --- the generated project ----------------------------------------------------------------------
  // Cells of the layer table (columns block, spec, weight, acc, ifft, bias, parallelism); absent
  // cells are empty.
  virtual std::map<std::string, std::string> table_cells(const QuantLayer& /*q*/) const { return {}; }
  // The kind's entries of report.json: fields of the layer object and its formats.
  virtual void describe(const QuantLayer& /*q*/, nlohmann::json& /*layer*/, nlohmann::json& /*formats*/) const {}
  // Its configuration struct in parameters.h (empty: none).
  virtual std::string config_struct(const QuantLayer& q, const ProjectNames& names) const;
  // Its lines in the top function, reading the array `in` and (with has_hardware(q)) writing the
  // array `out`, unindented.
  virtual std::string top_call(const QuantLayer& q, const ProjectNames& names, const std::string& in,
                               const std::string& out) const;
  // firmware/weights/<id>.h, the exact values of its parameters (empty: none).
  virtual std::string parameter_tables(const QuantLayer& /*q*/, const ProjectNames& /*names*/) const { return {}; }
  // The parameter arrays the top function holds in UltraRAM and loads from its `params` port
  // (none by default): top_call passes them to the kernel.
  virtual std::vector<RuntimeArray> runtime_arrays(const QuantLayer& /*q*/, const ProjectNames& /*names*/) const {
    return {};
  }

 protected:
  // The values the kind's template parts are filled with: every kind's name, type, config, n_in,
  // n_out, in_t, out_t; a kind adds its own (formats, geometry, knobs) to the base's.
  virtual TemplateValues template_values(const QuantLayer& q, const ProjectNames& names) const;
  // The kind's template under fpga/templates/: layers/<type>.h, with the parts config, call and
  // tables; a kind whose layers may stream pixels or move arrays has config_pixels and
  // call_pixels beside them, used when the layer streams.
  virtual std::string template_path() const { return "layers/" + std::string(type()) + ".h"; }
  std::string fill_part(const std::string& part, const TemplateValues& values) const;
  // The part `part` of q's layer: `part`_pixels when q streams and the template has it.
  std::string fill_layer_part(const QuantLayer& q, const std::string& part, const TemplateValues& values) const;
};

// The kind's parameters of a layer (QuantLayer::params); throws bcnn::Error naming the layer when
// they are missing or of another kind.
[[noreturn]] void throw_missing_params(const QuantLayer& q);
template <class P>
P& params_of(QuantLayer& q) {
  if (P* p = std::any_cast<P>(&q.params)) return *p;
  throw_missing_params(q);
}
template <class P>
const P& params_of(const QuantLayer& q) {
  if (const P* p = std::any_cast<P>(&q.params)) return *p;
  throw_missing_params(q);
}

// --- helpers for validate() ---------------------------------------------------------------------
// Each throws "fixed-point emulator: layer 'NAME': ..." when its check fails.
void require(bool ok, const QuantLayer& q, const std::string& what);
void require_format(const QuantLayer& q, const FixedFormat& f, const char* field);
// An exact intermediate of the kernel must fit in 64 bits, or the compile-time types refuse it.
void require_exact_width(const QuantLayer& q, const FixedFormat& f, const std::string& what);
// `values` has `size` raw values, each within format f.
void require_raw(const QuantLayer& q, const std::vector<std::int64_t>& values, std::size_t size,
                 const FixedFormat& f, const char* name);

// --- helpers for apply_parallelism() ------------------------------------------------------------
// `value` when it is in 1..max; throws "--parallelism LAYER: expected WHAT in 1..MAX, found V".
int parallelism_in_range(const QuantLayer& q, int value, int max, const std::string& what);

// --- helpers for choose_parallelism() -----------------------------------------------------------
// Estimates q with each of `settings` (knob name -> value, applied with kind.apply_parallelism on a
// copy) and sets q's knobs to the cheapest one (fewest DSPs, then BRAMs, then the lowest II)
// whose II is at most target_ii; when none reaches it, to the cheapest within 5% of the best II,
// and calls out_of_reach with the best II.
void choose_cheapest_knobs(const HwLayer& kind, QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                           const std::vector<std::map<std::string, int>>& settings,
                           const std::function<void(std::int64_t)>& out_of_reach);
// 1, 2, 4, ... below n, and n: the candidate counts of a knob.
std::vector<int> powers_of_two_and(int n);

// --- helpers for streaming kinds ----------------------------------------------------------------
// The depth of the FIFO that carries a feature map of `shape` (C, H, W) in hardware: one row of
// pixels (at least 2), so that a producer can run a row ahead of its consumer. In C simulation the
// processes run one after another, and the FIFO holds the whole map (BCNN_HLS_FIFO_DEPTH).
int pixel_fifo_depth(const std::vector<int>& shape);

// --- helpers for parameter_tables() -------------------------------------------------------------
// `values` (raw, in format f) as an initializer of an array of shape `dims`, one line per row of
// the last dimension, followed by ";\n\n".
std::string array_initializer(const std::vector<std::int64_t>& values, const FixedFormat& f,
                              const std::vector<int>& dims);

}  // namespace bcnn::hw
