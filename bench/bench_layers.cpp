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
#include "net/network.h"

namespace {

using bench::check_output_folder;
using bench::one_layer_network;
using bench::time_layer;
using bench::Timing;
using bench::uniform_tensor;
using bench::write_json_atomically;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bc_dense vs dense: forward and forward+backward time at n inputs = n outputs"};
  int threads = 2, repeats = 15, warmup = 3, batch = 128;
  std::vector<int> sizes = {1024, 4096}, blocks = {16, 64, 256};
  std::string json_path;
  app.add_option("--threads", threads, "OpenMP threads")->check(CLI::Range(1, 1024));
  app.add_option("--repeats", repeats, "timed repetitions (the median is reported)")->check(CLI::Range(1, 100000));
  app.add_option("--warmup", warmup, "untimed repetitions first")->check(CLI::Range(0, 100000));
  app.add_option("--batch", batch, "samples per batch")->check(CLI::Range(1, 1 << 16));
  app.add_option("--n", sizes, "layer widths (inputs = outputs)")->check(CLI::Range(1, 1 << 16));
  app.add_option("--k", blocks, "block sizes")->check(CLI::Range(1, 4096));
  app.add_option("--json", json_path, "also write the results to this JSON file");
  CLI11_PARSE(app, argc, argv);

  try {
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
        const double forward_ratio = dense_time.forward_ms / bc_time.forward_ms;
        const double step_ratio = dense_time.step_ms / bc_time.step_ms;
        std::printf("%6d %5d | %10.3f %10.3f %7.1fx | %10.3f %10.3f %7.1fx\n", n, k, dense_time.forward_ms,
                    bc_time.forward_ms, forward_ratio, dense_time.step_ms, bc_time.step_ms, step_ratio);
        std::fflush(stdout);
        results.push_back({{"n", n},
                           {"k", k},
                           {"dense_forward_ms", dense_time.forward_ms},
                           {"bc_forward_ms", bc_time.forward_ms},
                           {"forward_speedup", forward_ratio},
                           {"dense_forward_backward_ms", dense_time.step_ms},
                           {"bc_forward_backward_ms", bc_time.step_ms},
                           {"forward_backward_speedup", step_ratio}});
      }
    }
    if (!json_path.empty())
      write_json_atomically(json_path, {{"benchmark", "bench_layers"},
                                        {"batch", batch},
                                        {"threads", threads},
                                        {"blas_kernels", bcnn::blas_kernels()},
                                        {"repeats", repeats},
                                        {"warmup", warmup},
                                        {"results", results}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_layers: %s\n", e.what());
    return 1;
  }
  return 0;
}
