#pragma once
// Options, timing and output helpers shared by the benchmark programs.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/blas.h"
#include "core/error.h"
#include "core/random.h"
#include "core/tensor.h"
#include "net/network.h"

namespace bench {

// The options of the layer benchmarks (bench_layers, bench_conv), with each program's defaults.
struct LayerBenchOptions {
  int threads = 2, repeats = 15, warmup = 3, batch = 128;
  std::vector<int> blocks;
  std::string json_path;

  void add_to(CLI::App& app) {
    app.add_option("--threads", threads, "OpenMP threads")->check(CLI::Range(1, 1024));
    app.add_option("--repeats", repeats, "timed repetitions (the median is reported)")->check(CLI::Range(1, 100000));
    app.add_option("--warmup", warmup, "untimed repetitions first")->check(CLI::Range(0, 100000));
    app.add_option("--batch", batch, "samples per batch")->check(CLI::Range(1, 1 << 16));
    app.add_option("--k", blocks, "block sizes")->check(CLI::Range(1, 4096));
    app.add_option("--json", json_path, "also write the results to this JSON file");
  }
};

using clock_type = std::chrono::steady_clock;

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

inline double elapsed_ms(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// A one-layer network owns the parameter arena exactly as in training; the layer is then driven
// directly, because Network::backward skips the data gradient of its first layer.
inline std::unique_ptr<bcnn::Network> one_layer_network(const bcnn::Shape& input, const nlohmann::json& layer,
                                                        const std::string& origin) {
  nlohmann::json description = {{"format", bcnn::network_format_name},
                                {"version", bcnn::network_format_version},
                                {"input", input},
                                {"layers", nlohmann::json::array({layer})}};
  auto net = bcnn::Network::build(description, origin);
  net->init_params(1);
  return net;
}

struct Timing {
  double forward_ms = 0.0;
  double step_ms = 0.0;  // forward + backward (data and parameter gradients)
};

// Median times of one layer's forward and forward + backward after `warmup` untimed rounds.
inline Timing time_layer(bcnn::Layer& layer, const bcnn::Tensor& x, const bcnn::Tensor& dy, int warmup, int repeats) {
  bcnn::Tensor y, dx;
  bcnn::ForwardContext ctx;
  ctx.training = true;
  for (int i = 0; i < warmup; ++i) {
    layer.forward(x, y, ctx);
    layer.backward(x, y, dy, &dx);
  }
  std::vector<double> forward_ms, step_ms;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = clock_type::now();
    layer.forward(x, y, ctx);
    auto t1 = clock_type::now();
    layer.backward(x, y, dy, &dx);
    auto t2 = clock_type::now();
    forward_ms.push_back(elapsed_ms(t0, t1));
    step_ms.push_back(elapsed_ms(t0, t2));
  }
  return {median(forward_ms), median(step_ms)};
}

// One row of a layer-against-baseline table: the baseline's times under "<baseline>_...", the
// block-circulant layer's under "bc_...", and the ratios baseline time / bc time.
inline nlohmann::json comparison_json(const std::string& baseline, const Timing& base, const Timing& bc) {
  return {{baseline + "_forward_ms", base.forward_ms},
          {"bc_forward_ms", bc.forward_ms},
          {"forward_speedup", base.forward_ms / bc.forward_ms},
          {baseline + "_forward_backward_ms", base.step_ms},
          {"bc_forward_backward_ms", bc.step_ms},
          {"forward_backward_speedup", base.step_ms / bc.step_ms}};
}

// Prints the times and ratios of one comparison after the caller's leading columns.
inline void print_comparison(const Timing& base, const Timing& bc) {
  std::printf(" | %10.3f %10.3f %7.1fx | %10.3f %10.3f %7.1fx\n", base.forward_ms, bc.forward_ms,
              base.forward_ms / bc.forward_ms, base.step_ms, bc.step_ms, base.step_ms / bc.step_ms);
  std::fflush(stdout);
}

// Uniform values in [-1, 1).
inline bcnn::Tensor uniform_tensor(int batch, const bcnn::Shape& shape, std::uint64_t seed) {
  bcnn::Tensor t(batch, shape);
  bcnn::Rng rng(seed, bcnn::Stream::augment);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = 2.0f * rng.uniform() - 1.0f;
  return t;
}

// Fails before any timing, rather than after it, when the results could not be written.
inline void check_output_folder(const std::string& path) {
  if (path.empty()) return;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    throw bcnn::Error("--json " + path + ": folder " + parent.string() + " does not exist");
}

// Temporary file beside the target, then rename: a failed run leaves no partial output.
inline void write_json_atomically(const std::string& path, const nlohmann::json& value) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << value.dump(2) << '\n';
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw bcnn::Error("--json " + path + ": cannot write " + temporary);
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw bcnn::Error("--json " + path + ": cannot rename the temporary file into place");
  }
}

// The results file of a layer benchmark (nothing when `path` is empty).
inline void write_layer_results(const std::string& path, const std::string& benchmark, int batch, int threads,
                                int repeats, int warmup, const nlohmann::json& results) {
  if (path.empty()) return;
  write_json_atomically(path, {{"benchmark", benchmark},
                               {"batch", batch},
                               {"threads", threads},
                               {"blas_kernels", bcnn::blas_kernels()},
                               {"repeats", repeats},
                               {"warmup", warmup},
                               {"results", results}});
}

}  // namespace bench
