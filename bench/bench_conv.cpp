// bc_conv2d against conv2d (im2col + OpenBLAS) at the same shape, both measured in this run:
// C -> C channels, 3x3 kernel, "same" padding, stride 1, an S x S map; forward alone and forward +
// backward (data and parameter gradients), median over repeats.
// Usage: bench_conv [--threads 2] [--repeats 9] [--warmup 2] [--batch 64] [--channels 64 128 256]
//                   [--size 16 8] [--k 8 16 32] [--json FILE]
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "core/blas.h"
#include "core/tensor.h"
#include "net/network.h"

namespace {

using bench::check_output_folder;
using bench::one_layer_network;
using bench::time_layer;
using bench::Timing;
using bench::uniform_tensor;
using bench::write_json_atomically;

nlohmann::json conv_layer(const char* type, int channels) {
  return {{"type", type}, {"filters", channels}, {"kernel", 3}, {"padding", "same"}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bc_conv2d vs conv2d: forward and forward+backward time, C -> C channels, 3x3, same padding"};
  int threads = 2, repeats = 9, warmup = 2, batch = 64;
  std::vector<int> channel_counts = {64, 128, 256}, sizes = {16, 8}, blocks = {8, 16, 32};
  std::string json_path;
  app.add_option("--threads", threads, "OpenMP threads")->check(CLI::Range(1, 1024));
  app.add_option("--repeats", repeats, "timed repetitions (the median is reported)")->check(CLI::Range(1, 100000));
  app.add_option("--warmup", warmup, "untimed repetitions first")->check(CLI::Range(0, 100000));
  app.add_option("--batch", batch, "images per batch")->check(CLI::Range(1, 1 << 16));
  app.add_option("--channels", channel_counts, "channel counts (inputs = outputs)")->check(CLI::Range(1, 1 << 14));
  app.add_option("--size", sizes, "map sizes (S x S)")->check(CLI::Range(1, 4096));
  app.add_option("--k", blocks, "block sizes")->check(CLI::Range(1, 4096));
  app.add_option("--json", json_path, "also write the results to this JSON file");
  CLI11_PARSE(app, argc, argv);

  try {
    check_output_folder(json_path);
    bcnn::set_threads(threads);
    std::printf("bench_conv: 3x3 same, batch %d, %d threads, median of %d repeats after %d warm-up, OpenBLAS %s\n",
                batch, threads, repeats, warmup, bcnn::blas_kernels().c_str());
    std::printf("%5s %4s %4s | %10s %10s %8s | %10s %10s %8s\n", "C", "S", "k", "conv fwd", "bc fwd", "ratio",
                "conv f+b", "bc f+b", "ratio");
    std::printf("%5s %4s %4s | %10s %10s %8s | %10s %10s %8s\n", "", "", "", "ms", "ms", "", "ms", "ms", "");
    nlohmann::json results = nlohmann::json::array();
    for (int channels : channel_counts)
      for (int size : sizes) {
        const bcnn::Shape shape = {channels, size, size};
        const bcnn::Tensor x = uniform_tensor(batch, shape, 11);
        const bcnn::Tensor dy = uniform_tensor(batch, shape, 12);
        auto dense = one_layer_network(shape, conv_layer("conv2d", channels), "bench_conv");
        const Timing dense_time = time_layer(*dense->layers()[0], x, dy, warmup, repeats);
        for (int k : blocks) {
          nlohmann::json layer = conv_layer("bc_conv2d", channels);
          layer["block"] = k;
          auto bc = one_layer_network(shape, layer, "bench_conv");
          const Timing bc_time = time_layer(*bc->layers()[0], x, dy, warmup, repeats);
          const double forward_ratio = dense_time.forward_ms / bc_time.forward_ms;
          const double step_ratio = dense_time.step_ms / bc_time.step_ms;
          std::printf("%5d %4d %4d | %10.3f %10.3f %7.1fx | %10.3f %10.3f %7.1fx\n", channels, size, k,
                      dense_time.forward_ms, bc_time.forward_ms, forward_ratio, dense_time.step_ms, bc_time.step_ms,
                      step_ratio);
          std::fflush(stdout);
          results.push_back({{"channels", channels},
                             {"size", size},
                             {"k", k},
                             {"conv_forward_ms", dense_time.forward_ms},
                             {"bc_forward_ms", bc_time.forward_ms},
                             {"forward_speedup", forward_ratio},
                             {"conv_forward_backward_ms", dense_time.step_ms},
                             {"bc_forward_backward_ms", bc_time.step_ms},
                             {"forward_backward_speedup", step_ratio}});
        }
      }
    if (!json_path.empty())
      write_json_atomically(json_path, {{"benchmark", "bench_conv"},
                                        {"batch", batch},
                                        {"threads", threads},
                                        {"blas_kernels", bcnn::blas_kernels()},
                                        {"repeats", repeats},
                                        {"warmup", warmup},
                                        {"results", results}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_conv: %s\n", e.what());
    return 1;
  }
  return 0;
}
