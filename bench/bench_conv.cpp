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
#include "core/threads.h"
#include "net/network.h"

namespace {

using bench::check_output_folder;
using bench::one_layer_network;
using bench::time_layer;
using bench::Timing;
using bench::uniform_tensor;

nlohmann::json conv_layer(const char* type, int channels) {
  return {{"type", type}, {"filters", channels}, {"kernel", 3}, {"padding", "same"}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bc_conv2d vs conv2d: forward and forward+backward time, C -> C channels, 3x3, same padding"};
  bench::LayerBenchOptions o{2, 9, 2, 64, {8, 16, 32}, {}};
  std::vector<int> channel_counts = {64, 128, 256}, sizes = {16, 8};
  o.add_to(app);
  app.add_option("--channels", channel_counts, "channel counts (inputs = outputs)")->check(CLI::Range(1, 1 << 14));
  app.add_option("--size", sizes, "map sizes (S x S)")->check(CLI::Range(1, 4096));
  CLI11_PARSE(app, argc, argv);

  try {
    const auto& [threads, repeats, warmup, batch, blocks, json_path] = o;
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
          std::printf("%5d %4d %4d", channels, size, k);
          bench::print_comparison(dense_time, bc_time);
          nlohmann::json row = {{"channels", channels}, {"size", size}, {"k", k}};
          row.update(bench::comparison_json("conv", dense_time, bc_time));
          results.push_back(row);
        }
      }
    bench::write_layer_results(json_path, "bench_conv", batch, threads, repeats, warmup, results);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_conv: %s\n", e.what());
    return 1;
  }
  return 0;
}
