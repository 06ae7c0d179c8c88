// bcnn-eval: accuracy, per-class accuracy, confusion matrix, costs and throughput of a model.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <thread>

#include "core/blas.h"
#include "core/error.h"
#include "core/stale_temp_files.h"
#include "core/threads.h"
#include "core/tool_main.h"
#include "core/version.h"
#include "data/dataset.h"
#include "data/normalize.h"
#include "eval/evaluate.h"
#include "eval/model_data.h"
#include "io/durable_file.h"
#include "io/model_file.h"
#include "io/npy.h"
#include "eval/fixed_eval.h"
#include "hls/csim.h"
#include "plot/evaluation_pictures.h"
#include "quant/quantize.h"
#include "train/config.h"

namespace {

struct Throughput {
  double images_per_s = 0;
  double latency_ms_p50 = 0, latency_ms_p90 = 0, latency_ms_p99 = 0;
};

using Clock = std::chrono::steady_clock;

// Images/s at `batch` over the whole set (after one warm-up batch).
double measure_batched(bcnn::Network& net, const bcnn::Dataset& data, int batch) {
  std::vector<int> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  bcnn::Tensor images;
  std::vector<std::int32_t> labels;
  bcnn::gather_batch(data, order.data(), std::min(batch, data.size()), images, labels);
  net.forward(images, {});
  net.set_profiling(true);  // per-layer times of the timed batches
  double seconds = 0;
  for (int begin = 0; begin < data.size(); begin += batch) {
    int count = std::min(batch, data.size() - begin);
    bcnn::gather_batch(data, order.data() + begin, count, images, labels);
    auto t0 = Clock::now();
    net.forward(images, {});
    seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  net.set_profiling(false);
  return data.size() / std::max(seconds, 1e-12);
}

// One image at a time: latency percentiles and the resulting images/s.
Throughput measure_single(bcnn::Network& net, const bcnn::Dataset& data, int samples) {
  samples = std::min(samples, data.size());
  std::vector<double> ms;
  bcnn::Tensor image;
  std::vector<std::int32_t> label;
  for (int i = -10; i < samples; ++i) {  // 10 warm-up calls
    int index = std::max(i, 0);
    bcnn::gather_batch(data, &index, 1, image, label);
    auto t0 = Clock::now();
    net.forward(image, {});
    if (i >= 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  Throughput t;
  if (ms.empty()) return t;
  double total = std::accumulate(ms.begin(), ms.end(), 0.0);
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * ms.size()))]; };
  t.images_per_s = 1000.0 * ms.size() / total;
  t.latency_ms_p50 = pct(0.5);
  t.latency_ms_p90 = pct(0.9);
  t.latency_ms_p99 = pct(0.99);
  return t;
}

// Writes each picture into `dir` (made when missing), each file whole or not at all.
void write_pictures(const std::string& dir, const std::vector<bcnn::plot::Picture>& pictures) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw bcnn::Error(dir + ": cannot create the --svg directory (" + ec.message() + ")");
  bcnn::remove_stale_temp_files(dir);
  for (const auto& picture : pictures) bcnn::write_file_atomically(dir + "/" + picture.file_name, picture.svg);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Evaluate a bcnn model: accuracy, confusion matrix, costs, throughput", "bcnn-eval"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::string model_path;
  std::optional<std::string> data_dir;
  int threads = 0, batch = 256, latency_samples = 1000;
  bool as_json = false;
  std::optional<std::string> logits_path;
  bool fixed = false;
  std::string precision = "16";
  int weight_width = 18;
  std::vector<std::string> layer_precision;
  std::optional<std::string> hls_dir;
  std::optional<std::string> svg_dir;
  app.add_option("model", model_path, "Model file (best.h5, last.h5 or a checkpoint)")->required();
  app.add_option("--data", data_dir, "Dataset directory (default: the model's train.data)");
  app.add_option("--threads", threads, "Threads (0 = all cores)")->check(CLI::Range(0, 1024));
  app.add_option("--batch", batch, "Batch size for accuracy and batched throughput")->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--latency-samples", latency_samples, "Images timed one at a time for latency")
      ->check(CLI::Range(0, 1000000))->capture_default_str();
  app.add_option("--logits", logits_path, "Write the test-set logits as a float32 .npy file (N x classes)");
  app.add_flag("--fixed", fixed,
               "Also run the model in the fixed point of the generated hardware and compare with float");
  app.add_option("--precision", precision,
                 "With --fixed: activation width (integer bits from calibration) or a full ap_fixed<W,I,Q,O>, as "
                 "bcnn-compile takes it")
      ->capture_default_str();
  app.add_option("--weight-precision", weight_width, "With --fixed: width of weight spectra, weights, biases, twiddles")
      ->capture_default_str();
  app.add_option("--hls", hls_dir,
                 "Build a bcnn-compile project's C simulation, run it over the test set and compare it with the "
                 "fixed-point emulation of the same formats, image by image (implies --fixed)");
  app.add_option("--layer-precision", layer_precision,
                 "With --fixed: layer.field=ap_fixed<W,I,Q,O> (fields in, out, spec, weight, acc, ifft, bias, twiddle)");
  app.add_option("--svg", svg_dir,
                 "Write pictures into this directory: confusion.svg (confusion matrix, per-class accuracy), "
                 "layers.svg (parameters and time per layer), with --fixed or --hls fixed.svg (fixed point "
                 "against float)");
  app.add_flag("--json", as_json, "Print one JSON object on stdout instead of the report");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  return bcnn::run_tool_main("bcnn-eval", "try a smaller --batch", [&]() -> int {
    bcnn::LoadedModel model = bcnn::load_model(model_path);
    bcnn::set_threads(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    bcnn::Dataset test = bcnn::load_model_dataset(model, model_path, data_dir, bcnn::Split::test);
    bcnn::Network& net = *model.network;
    const std::string dataset =
        bcnn::stored_train_data(model.config, model_path + ": stored configuration").dataset;
    const bcnn::Normalization normalization =
        bcnn::stored_normalization(model.config, model_path, net.input_shape().empty() ? 1 : net.input_shape()[0]);

    std::optional<bcnn::plot::LogitPairs> fixed_pairs;
    std::vector<float> logits;
    bcnn::EvalResult r = bcnn::evaluate(net, test, batch, logits_path ? &logits : nullptr);
    if (logits_path) {
      const auto dir = std::filesystem::path(*logits_path).parent_path();
      bcnn::remove_stale_temp_files(dir.empty() ? std::string(".") : dir.string());
    }
    if (logits_path)
      bcnn::write_npy(*logits_path, logits.data(),
                      {static_cast<std::size_t>(test.size()), static_cast<std::size_t>(net.num_classes())});
    double batched = measure_batched(net, test, batch);
    Throughput single = measure_single(net, test, latency_samples);
    bcnn::LayerCost cost = net.total_cost();
    const int C = r.num_classes;

    nlohmann::json layers = nlohmann::json::array();
    const std::vector<double> layer_seconds = net.layer_seconds();
    double all_layers_seconds = 0;
    for (double s : layer_seconds) all_layers_seconds += s;
    for (std::size_t i = 0; i < net.layers().size(); ++i) {
      const auto& l = net.layers()[i];
      bcnn::LayerCost c = l->cost();
      layers.push_back({{"name", l->name()}, {"type", std::string(l->type())}, {"block", l->block_size()},
                        {"params", c.params}, {"dense_params", c.dense_params}, {"macs", c.macs},
                        {"dense_macs", c.dense_macs},
                        {"compression", c.params ? static_cast<double>(c.dense_params) / c.params : 1.0},
                        {"forward_us_per_image", 1e6 * layer_seconds[i] / std::max(1, test.size())},
                        {"time_share", all_layers_seconds > 0 ? layer_seconds[i] / all_layers_seconds : 0.0}});
    }
    nlohmann::json confusion = nlohmann::json::array();
    for (int c = 0; c < C; ++c)
      confusion.push_back(std::vector<std::int64_t>(r.confusion.begin() + c * C, r.confusion.begin() + (c + 1) * C));
    nlohmann::json out = {
        {"model", model_path},
        {"dataset", dataset},
        {"normalize", normalization.enabled() ? normalization.to_json() : nlohmann::json(nullptr)},
        {"images", r.images},
        {"accuracy", r.accuracy},
        {"mean_loss", r.mean_loss},
        {"class_accuracy", r.class_accuracy},
        {"class_names", test.class_names},
        {"confusion", confusion},
        {"params", cost.params},
        {"dense_params", cost.dense_params},
        {"compression", static_cast<double>(cost.dense_params) / std::max<std::int64_t>(1, cost.params)},
        {"macs_per_image", cost.macs},
        {"dense_macs_per_image", cost.dense_macs},
        {"threads", bcnn::threads()},
        {"batch", batch},
        {"images_per_s", batched},
        {"batch1_images_per_s", single.images_per_s},
        {"latency_ms", {{"p50", single.latency_ms_p50}, {"p90", single.latency_ms_p90}, {"p99", single.latency_ms_p99}}},
        {"layers", layers}};
    if (fixed || hls_dir) {
      bcnn::QuantOptions qopt;
      if (hls_dir) {
        qopt = bcnn::options_from_project_report(*hls_dir + "/report.json", model_path);
      } else {
        qopt.model_path = model_path;
        bcnn::apply_precision_options(qopt, precision, weight_width, layer_precision);
      }
      bcnn::QuantizedModel qmodel = bcnn::quantize_model(model, qopt);
      bcnn::FixedEvalResult fr = bcnn::evaluate_fixed(qmodel, &net, test);
      fixed_pairs = bcnn::plot::LogitPairs{fr.float_logits, fr.fixed_logits};
      if (hls_dir) {
        bcnn::CsimResult cs = bcnn::run_project_csim(*hls_dir, qmodel, test, fr.images, fr.logits_raw, bcnn::threads());
        out["hls"] = {{"project", *hls_dir},
                      {"images", cs.images},
                      {"mismatches", cs.mismatches},
                      {"first_mismatch", cs.first_mismatch},
                      {"accuracy", cs.accuracy},
                      {"bit_identical", cs.mismatches == 0},
                      {"build_seconds", cs.build_seconds},
                      {"run_seconds", cs.run_seconds}};
      }
      out["fixed"] = {{"accuracy", fr.accuracy},
                      {"float_accuracy", fr.float_accuracy},
                      {"agreement", fr.agreement},
                      {"max_logit_error", fr.max_logit_error},
                      {"images", fr.images},
                      {"seconds", fr.seconds}};
    }
    if (svg_dir) {
      bcnn::plot::LogitPairs* pairs = fixed_pairs ? &*fixed_pairs : nullptr;
      write_pictures(*svg_dir, bcnn::plot::evaluation_pictures(out, pairs));
    }
    if (as_json) {
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    std::printf("model      %s (%s)\n", model_path.c_str(), model.is_checkpoint ? "checkpoint" : "model");
    std::printf("dataset    %s test, %d images%s\n", dataset.c_str(), r.images,
                normalization.enabled() ? ", normalized per channel as in training" : "");
    std::printf("accuracy   %.2f%%   mean loss %.4f\n", 100 * r.accuracy, r.mean_loss);
    std::printf("params     %lld (dense equivalent %lld, %.1fx compression)\n", static_cast<long long>(cost.params),
                static_cast<long long>(cost.dense_params), out["compression"].get<double>());
    std::printf("MACs/image %lld on the FFT path (dense equivalent %lld, %.1fx fewer)\n",
                static_cast<long long>(cost.macs), static_cast<long long>(cost.dense_macs),
                static_cast<double>(cost.dense_macs) / std::max<std::int64_t>(1, cost.macs));
    std::printf("throughput %.0f images/s at batch %d, %d threads", batched, batch, bcnn::threads());
    if (latency_samples > 0)
      std::printf("; batch 1: %.0f images/s, latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms", single.images_per_s,
                  single.latency_ms_p50, single.latency_ms_p90, single.latency_ms_p99);
    std::printf("\n");
    if (fixed || hls_dir) {
      const auto& f = out["fixed"];
      std::printf("fixed      %.2f%% in fixed point (float %.2f%%, %.2f points apart); same class on %.2f%% of "
                  "images; largest logit difference %.4g; %.1f s\n",
                  100 * f["accuracy"].get<double>(), 100 * f["float_accuracy"].get<double>(),
                  100 * (f["float_accuracy"].get<double>() - f["accuracy"].get<double>()),
                  100 * f["agreement"].get<double>(), f["max_logit_error"].get<double>(), f["seconds"].get<double>());
    }
    if (hls_dir) {
      const auto& h = out["hls"];
      std::printf("hls        C simulation of %s: %.2f%% on %d images; %d images differ from the fixed-point "
                  "emulation%s (build %.1f s, run %.1f s)\n",
                  hls_dir->c_str(), 100 * h["accuracy"].get<double>(), h["images"].get<int>(), h["mismatches"].get<int>(),
                  h["mismatches"].get<int>() == 0 ? " (bit-identical)" : "", h["build_seconds"].get<double>(),
                  h["run_seconds"].get<double>());
    }
    std::printf("\nper layer (forward at batch %d; time per image)\n", batch);
    std::printf("  %-12s %-10s %12s %12s %14s %10s %7s\n", "layer", "type", "params", "compression", "MACs/image",
                "time us", "share");
    for (const auto& l : layers)
      std::printf("  %-12s %-10s %12lld %11.1fx %14lld %10.2f %6.1f%%\n", l["name"].get<std::string>().c_str(),
                  l["type"].get<std::string>().c_str(), l["params"].get<long long>(), l["compression"].get<double>(),
                  l["macs"].get<long long>(), l["forward_us_per_image"].get<double>(),
                  100 * l["time_share"].get<double>());
    std::printf("\nper-class accuracy\n");
    for (int c = 0; c < C; ++c)
      std::printf("  %-12s %6.2f%%\n", test.class_names[c].c_str(), 100 * r.class_accuracy[c]);
    std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n      ");
    for (int c = 0; c < C; ++c) std::printf("%6d", c);
    std::printf("\n");
    for (int t = 0; t < C; ++t) {
      std::printf("%6d", t);
      for (int p = 0; p < C; ++p) std::printf("%6lld", static_cast<long long>(r.confusion[t * C + p]));
      std::printf("\n");
    }
    return 0;
  });
}
