// bcnn-compile: a trained model into a Vitis HLS project (docs/compile.md).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/tool_main.h"
#include "core/version.h"
#include "data/dataset.h"
#include "data/normalize.h"
#include "hls/estimate.h"
#include "hls/power.h"
#include "hls/project.h"
#include "hw/registry.h"
#include "io/model_file.h"
#include "quant/quantize.h"
#include "train/config.h"

namespace {

// "LAYER=VALUE" -> {LAYER, VALUE}; errors name the option.
std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& option,
                                                     const std::string& value_name) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw bcnn::Error(option + ": expected LAYER=" + value_name + ", found \"" + text + "\"");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

// An integer of at least `min` (0 or 1); each kind checks its own range after.
int parse_integer(const std::string& text, const std::string& what, int min) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used != text.size() || value < min || value > (1L << 30))
    throw bcnn::Error(what + (min > 0 ? ": expected a positive integer" : ": expected an integer of 0 or more") +
                      ", found \"" + text + "\"");
  return static_cast<int>(value);
}

std::string shell_quoted(const std::string& arg) {
  if (arg.find_first_of(" <>,'\"$;&|*?()") == std::string::npos && !arg.empty()) return arg;
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string known_parts() {
  std::string s;
  for (const auto& p : bcnn::fpga_parts()) s += (s.empty() ? "" : ", ") + p.name;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Compile a trained bcnn model into a Vitis HLS project (firmware, test bench, host, reports)",
               "bcnn-compile"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::string model_path, output_dir;
  std::string part_name = "xczu7ev-ffvc1156-2-e";
  double clock_ns = 5.0;
  std::string precision = "16";
  int weight_width = 18;
  std::vector<std::string> layer_precisions, parallelisms, knobs, block_rows, bins, reuses;
  std::optional<double> target_images_per_s;
  std::string interface = "m_axi";
  std::optional<int> axi_bits;
  std::string architecture = "dataflow";
  std::optional<int> reuse_batch;
  std::optional<std::string> calibrate_dir, data_dir;
  int calibration_images = 10000;
  int tb_images = -1;
  bool force = false;
  app.add_option("model", model_path, "Model file (best.h5, last.h5 or a checkpoint)")->required();
  app.add_option("-o,--output", output_dir, "Project directory to write")->required();
  app.add_option("--part", part_name, "FPGA part (one of: " + known_parts() + ")")->capture_default_str();
  app.add_option("--clock-ns", clock_ns, "Clock period in ns")->check(CLI::Range(0.5, 100.0))->capture_default_str();
  app.add_option("--precision", precision,
                 "Activation width (integer bits from calibration), or a full ap_fixed<W,I,Q,O> for every activation")
      ->capture_default_str();
  app.add_option("--weight-precision", weight_width, "Width of weight spectra, weights, biases and twiddles")
      ->capture_default_str();
  app.add_option("--layer-precision", layer_precisions,
                 "LAYER.FIELD=ap_fixed<W,I,Q,O>, the fields of the layer's kind (" + bcnn::hw::hw_format_fields_help() +
                     "); repeatable");
  app.add_option("--parallelism", parallelisms,
                 "LAYER=N: about N units at once in the kind's terms (bc_dense, bc_conv2d: block rows; conv2d: output "
                 "channels; dense: about N multipliers; relu, batchnorm and the pools on pixels: N lanes); repeatable");
  app.add_option("--knob", knobs,
                 "LAYER.NAME=N: a knob of the layer's kind (" + bcnn::hw::hw_knobs_help() + "); repeatable");
  app.add_option("--block-rows", block_rows, "LAYER=N: --knob LAYER.block_rows=N (bc_dense, bc_conv2d block rows at once)");
  app.add_option("--bins", bins, "LAYER=N: --knob LAYER.bins=N (bc_dense, bc_conv2d frequency bins per cycle)");
  app.add_option("--reuse", reuses, "LAYER=R: --knob LAYER.reuse=R (dense: ceil(n_in/R) multipliers)");
  app.add_option("--target-images-per-s", target_images_per_s,
                 "Pick the smallest parallelism of every layer not set explicitly that meets this throughput")
      ->check(CLI::PositiveNumber);
  app.add_option("--interface", interface, "Top-level ports: axis (AXI4-Stream) or m_axi (Vitis kernel)")
      ->check(CLI::IsMember({"axis", "m_axi"}))
      ->capture_default_str();
  app.add_option("--axi-bits", axi_bits,
                 "Data width of the AXI ports (m_axi words, AXI4-Stream beats): a power of two 8..1024, several "
                 "values per beat (default: the narrowest that keeps the interfaces within the slowest layer's II)");
  app.add_option("--architecture", architecture,
                 "dataflow (one engine per layer, a DATAFLOW pipeline) or reuse (one FFT/MAC engine set reused layer "
                 "after layer on a batch, for small parts; flatten, dropout, bc_dense, dense, relu)")
      ->check(CLI::IsMember({"dataflow", "reuse"}))
      ->capture_default_str();
  app.add_option("--reuse-batch", reuse_batch,
                 "Images per pass over the layers in the reuse architecture (each parameter read once per batch; "
                 "default " + std::to_string(bcnn::default_reuse_batch) + ")");
  app.add_option("--calibrate", calibrate_dir, "Dataset directory: compute calibration ranges on its training split");
  app.add_option("--calibration-images", calibration_images, "Training images for --calibrate")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  app.add_option("--data", data_dir, "Dataset directory for tb_data (default: the model's train.data)");
  app.add_option("--tb-images", tb_images, "Test images in tb_data (default: all)")->check(CLI::Range(1, 1 << 30));
  app.add_flag("--force", force, "Replace an existing non-empty output directory");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // Ctrl-C: the project is written into a staging directory that is removed, never half-renamed.
  bcnn::install_interrupt_handler();
  std::string command = "bcnn-compile";
  for (int i = 1; i < argc; ++i) command += " " + shell_quoted(argv[i]);

  return bcnn::run_tool_main("bcnn-compile", "", [&]() -> int {
    try {
      bcnn::QuantOptions options;
      options.model_path = model_path;
      bcnn::apply_precision_options(options, precision, weight_width, layer_precisions);
      std::vector<std::string> explicit_layers;
      auto parallel_option = [&](const std::vector<std::string>& items, const std::string& option, auto apply) {
        for (const auto& text : items) {
          auto [layer, value] = split_assignment(text, option, "N");
          apply(options.parallelism[layer], parse_integer(value, option + " " + layer, 1));
          explicit_layers.push_back(layer);
        }
      };
      // --parallelism: the layer's kind decides what N units are (quantize_model).
      parallel_option(parallelisms, "--parallelism", [](bcnn::LayerParallelism& p, int n) { p.units = n; });
      // The kind's own knobs, by name; the quantizer refuses a name the layer's kind does not have.
      for (const auto& text : knobs) {
        const auto eq = text.find('=');
        const std::string target = text.substr(0, eq);
        const auto dot = target.rfind('.');
        if (eq == std::string::npos || eq + 1 == text.size() || dot == std::string::npos || dot == 0 ||
            dot + 1 == target.size())
          throw bcnn::Error("--knob: expected LAYER.NAME=N, found \"" + text + "\"");
        const std::string value = text.substr(eq + 1);
        const std::string layer = target.substr(0, dot), knob = target.substr(dot + 1);
        options.parallelism[layer].knobs[knob] = parse_integer(value, "--knob " + target, 0);
        explicit_layers.push_back(layer);
      }
      auto knob_shorthand = [&](const std::vector<std::string>& items, const std::string& option,
                                const std::string& knob) {
        parallel_option(items, option, [&](bcnn::LayerParallelism& p, int n) { p.knobs[knob] = n; });
      };
      knob_shorthand(block_rows, "--block-rows", "block_rows");
      knob_shorthand(bins, "--bins", "bins");
      knob_shorthand(reuses, "--reuse", "reuse");

      const auto part = bcnn::find_fpga_part(part_name);
      if (!part) throw bcnn::Error("--part: expected one of " + known_parts() + ", found \"" + part_name + "\"");
      const bcnn::HlsInterface ports = interface == "axis" ? bcnn::HlsInterface::axis : bcnn::HlsInterface::m_axi;
      // The parallelism is chosen with --axi-bits; without it, each candidate design is estimated
      // with the ports choose_axi_bits gives it, and the width is chosen for the final one.
      bcnn::HlsPorts hls_interface(ports, axi_bits.value_or(bcnn::default_axi_bits));
      hls_interface.auto_width = !axi_bits;
      if (axi_bits) bcnn::check_axi_bits(*axi_bits, 8, 8);  // the range now; the word widths once the formats are known
      const bool reuse = architecture == "reuse";
      if (reuse_batch && !reuse)
        throw bcnn::Error("--reuse-batch: expected --architecture reuse, found --architecture " + architecture);
      if (reuse && target_images_per_s)
        throw bcnn::Error("--target-images-per-s: expected --architecture dataflow (the reuse architecture has one "
                          "engine set; --reuse-batch sets its batch), found --architecture reuse");
      if (reuse && !options.parallelism.empty())
        throw bcnn::Error("--knob, --parallelism and their shorthands: expected --architecture dataflow (the reuse "
                          "architecture's one engine set has no per-layer knobs), found --architecture reuse with "
                          "knobs for layer '" + options.parallelism.begin()->first + "'");
      bcnn::check_output_dir(output_dir, force);

      bcnn::LoadedModel model = bcnn::load_model(model_path);
      const bcnn::StoredData stored = bcnn::stored_train_data(model.config, model_path + ": stored configuration");
      const std::string& dataset = stored.dataset;
      bcnn::QuantReport report;
      if (calibrate_dir) {
        options.calibration = bcnn::calibrate_model(model, *calibrate_dir, calibration_images);
        report.calibration_source = "--calibrate " + *calibrate_dir;
      }
      bcnn::QuantizedModel quantized = bcnn::quantize_model(model, options, &report);
      if (axi_bits)
        bcnn::check_axi_bits(*axi_bits, quantized.input.width,
                           quantized.layers.empty() ? quantized.input.width : quantized.layers.back().out.width);
      std::vector<std::string> warnings;
      std::optional<bcnn::ReusePlan> reuse_plan;
      if (reuse)
        reuse_plan = bcnn::plan_reuse(quantized, reuse_batch.value_or(bcnn::default_reuse_batch), ports);
      if (reuse) {
        // One engine set: the per-layer knobs do not apply.
      } else if (target_images_per_s)
        warnings = bcnn::choose_parallelism(quantized, *part, clock_ns, hls_interface, *target_images_per_s,
                                            explicit_layers);
      else
        bcnn::balance_layers(quantized, *part, clock_ns, hls_interface, explicit_layers);
      if (!reuse) bcnn::check_runtime_params(quantized, hls_interface.interface);
      if (!axi_bits && !reuse) hls_interface.axi_bits = bcnn::choose_axi_bits(quantized, *part, clock_ns, ports);
      const bcnn::DesignEstimate estimate =
          reuse ? bcnn::estimate_reuse(quantized, *reuse_plan, *part, clock_ns, hls_interface.axi_bits)
                : bcnn::estimate_design(quantized, *part, clock_ns, hls_interface);
      warnings.insert(warnings.end(), estimate.warnings.begin(), estimate.warnings.end());

      std::printf("model   %s: %zu layers, input %s, %d outputs\n", model_path.c_str(), model.network->layers().size(),
                  bcnn::shape_string(model.network->input_shape()).c_str(), quantized.n_out);
      std::printf("calib   %lld training images (%s)\n", static_cast<long long>(report.calibration_images),
                  report.calibration_source.c_str());
      std::printf("target  %s (%s), clock %g ns, interface %s, %d-bit words", part->name.c_str(),
                  part->description.c_str(), clock_ns, interface.c_str(), hls_interface.axi_bits);
      if (reuse) std::printf(", architecture reuse, batch %d", reuse_plan->batch);
      std::printf("\n\n");
      std::printf("%s", bcnn::format_table(quantized, false, !reuse).c_str());
      std::printf(
          "(<W,I> = ap_fixed<W, I, AP_RND, AP_SAT>; <W,I exact> = ap_fixed<W, I, AP_TRN, AP_WRAP>, never wraps)\n\n");
      std::printf("%s", bcnn::estimate_table(estimate, false).c_str());
      std::printf("%s", bcnn::power_summary_line(bcnn::estimate_power(estimate)).c_str());
      std::fflush(stdout);
      for (const auto& w : warnings) std::fprintf(stderr, "bcnn-compile: warning: %s\n", w.c_str());

      const std::string test_dir = data_dir ? *data_dir : stored.data_dir;
      bcnn::Dataset test = bcnn::load_dataset(dataset, test_dir, bcnn::Split::test);
      if (test.sample_shape() != model.network->input_shape())
        throw bcnn::Error(test_dir + ": expected " + dataset + " images of shape " +
                          bcnn::shape_string(model.network->input_shape()) + " for " + model_path + ", found " +
                          bcnn::shape_string(test.sample_shape()));
      // The hardware sees the model's input: the test images normalized as in training.
      bcnn::normalize_dataset(test, bcnn::stored_normalization(model.config, model_path,
                                                               model.network->input_shape().empty()
                                                                   ? 1
                                                                   : model.network->input_shape()[0]));

      bcnn::ProjectSpec spec;
      spec.output_dir = output_dir;
      spec.force = force;
      spec.model_path = model_path;
      spec.command_line = command;
      spec.model = &quantized;
      spec.report = &report;
      spec.estimate = &estimate;
      spec.test_data = &test;
      spec.test_data_description = dataset + " test (" + test_dir + ")";
      spec.dataset = dataset;
      spec.tb_images = tb_images;
      spec.network = model.network.get();
      spec.reuse = reuse_plan ? &*reuse_plan : nullptr;
      const bcnn::ProjectSummary summary = bcnn::write_project(spec);
      std::printf("\nwrote   %s: %d files; tb_data: %d test images, fixed-point accuracy %.2f%%",
                  summary.directory.c_str(), summary.files, summary.tb_images, 100 * summary.fixed_accuracy);
      if (summary.float_accuracy >= 0) std::printf(" (float %.2f%%)", 100 * summary.float_accuracy);
      std::printf("\nnext    cmake -S %s -B %s/build && cmake --build %s/build -j2 && %s/build/bcnn_tb %s/tb_data\n",
                  shell_quoted(output_dir).c_str(), shell_quoted(output_dir).c_str(), shell_quoted(output_dir).c_str(),
                  shell_quoted(output_dir).c_str(), shell_quoted(output_dir).c_str());
    } catch (const bcnn::Interrupted&) {
      std::fprintf(stderr, "bcnn-compile: interrupted: no project written (%s left as it was) by %s\n",
                   output_dir.c_str(), bcnn::interrupt_signal_name());
      return bcnn::interrupt_exit_status();
    }
    return 0;
  });
}
