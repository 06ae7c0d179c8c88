// bc_dense against dense at the same shape (n inputs, n outputs), both measured in this run:
// forward alone and forward + backward (data and parameter gradients), median over repeats.
// Usage: bench_layers [--threads 2] [--repeats 15] [--warmup 3] [--batch 128] [--n 1024 4096]
//                     [--k 16 64 256] [--json FILE]
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "core/blas.h"
#include "bench_common.h"
#include "core/tensor.h"
#include "core/threads.h"
#include "net/network.h"

namespace {

using bench::check_output_folder;
using bench::one_layer_network;
using bench::time_layer;
using bench::Timing;
using bench::uniform_tensor;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bc_dense vs dense: forward and forward+backward time at n inputs = n outputs"};
  bench::LayerBenchOptions o{2, 15, 3, 128, {16, 64, 256}, {}};
  std::vector<int> sizes = {1024, 4096};
  o.add_to(app);
  app.add_option("--n", sizes, "layer widths (inputs = outputs)")->check(CLI::Range(1, 1 << 16));
  CLI11_PARSE(app, argc, argv);

  try {
    const auto& [threads, repeats, warmup, batch, blocks, json_path] = o;
    check_output_folder(json_path);
    bcnn::set_threads(threads);
    std::printf("bench_layers: batch %d, %d threads, median of %d repeats after %d warm-up, OpenBLAS %s\n", batch,
                threads, repeats, warmup, bcnn::blas_kernels().c_str());
    std::printf("%6s %5s | %10s %10s %8s | %10s %10s %8s\n", "n", "k", "dense fwd", "bc fwd", "ratio",
                "dense f+b", "bc f+b", "ratio");
    std::printf("%6s %5s | %10s %10s %8s | %10s %10s %8s\n", "", "", "ms", "ms", "", "ms", "ms", "");
    nlohmann::json results = nlohmann::json::array();
    for (int n : sizes) {
      const bcnn::Tensor x = uniform_tensor(batch, {n}, 11);
      const bcnn::Tensor dy = uniform_tensor(batch, {n}, 12);
      auto dense = one_layer_network({n}, {{"type", "dense"}, {"units", n}}, "bench_layers");
      const Timing dense_time = time_layer(*dense->layers()[0], x, dy, warmup, repeats);
      for (int k : blocks) {
        auto bc = one_layer_network({n}, {{"type", "bc_dense"}, {"units", n}, {"block", k}}, "bench_layers");
        const Timing bc_time = time_layer(*bc->layers()[0], x, dy, warmup, repeats);
        std::printf("%6d %5d", n, k);
        bench::print_comparison(dense_time, bc_time);
        nlohmann::json row = {{"n", n}, {"k", k}};
        row.update(bench::comparison_json("dense", dense_time, bc_time));
        results.push_back(row);
      }
    }
    bench::write_layer_results(json_path, "bench_layers", batch, threads, repeats, warmup, results);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_layers: %s\n", e.what());
    return 1;
  }
  return 0;
}
