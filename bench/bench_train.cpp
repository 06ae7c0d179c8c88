// End-to-end training throughput of a network config: forward, softmax cross-entropy, backward and
// an optimizer step per batch (the config's train.optimizer; Adam with lr 1e-3 when it has none, as
// bench/torch_net.py), on synthetic data of the input's shape (uniform pixels, uniform labels).
// Usage: bench_train CONFIG.json [--threads 2] [--batch 128] [--steps 200] [--warmup 20] [--json FILE]
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/blas.h"
#include "bench_common.h"
#include "core/error.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/threads.h"
#include "layers/softmax_cross_entropy.h"
#include "net/json_reader.h"
#include "net/network.h"
#include "train/optimizer.h"

namespace {

using bench::clock_type;

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw bcnn::Error(path + ": cannot open the network config");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw bcnn::Error(path + ": not valid JSON (" + e.what() + ")");
  }
}

using bench::check_output_folder;
using bench::median;
using bench::write_json_atomically;

// A few distinct batches, cycled, so that no step sees exactly the data of the one before.
struct SyntheticData {
  std::vector<bcnn::Tensor> images;
  std::vector<std::vector<std::int32_t>> labels;
};

SyntheticData make_data(int batches, int batch, const bcnn::Shape& shape, int classes, std::uint64_t seed) {
  SyntheticData data;
  for (int i = 0; i < batches; ++i) {
    bcnn::Rng rng(seed, bcnn::Stream::augment, static_cast<std::uint64_t>(i));
    bcnn::Tensor x(batch, shape);
    for (std::size_t j = 0; j < x.size(); ++j) x[j] = rng.uniform();
    std::vector<std::int32_t> y(static_cast<std::size_t>(batch));
    for (auto& label : y) label = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(classes)));
    data.images.push_back(std::move(x));
    data.labels.push_back(std::move(y));
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training throughput (images/s) of a bcnn network config on synthetic data"};
  std::string config_path, json_path;
  int threads = 2, batch = 128, steps = 200, warmup = 20;
  app.add_option("config", config_path, "network config (JSON)")->required();
  app.add_option("--threads", threads, "most OpenMP threads (fewer while other processes load the cores, unless "
                 "BCNN_ADAPTIVE_THREADS=0)")->check(CLI::Range(1, 1024));
  app.add_option("--batch", batch, "images per step")->check(CLI::Range(1, 1 << 16));
  app.add_option("--steps", steps, "timed optimizer steps")->check(CLI::Range(1, 10000000));
  app.add_option("--warmup", warmup, "untimed steps first")->check(CLI::Range(0, 10000000));
  app.add_option("--json", json_path, "also write the results to this JSON file");
  CLI11_PARSE(app, argc, argv);

  try {
    check_output_folder(json_path);
    bcnn::set_threads(threads);
    nlohmann::json config = read_json_file(config_path);
    auto net = bcnn::Network::build(config, config_path);
    net->init_params(1);
    const int classes = net->num_classes();
    if (classes < 2)
      throw bcnn::Error(config_path + ": the network's output must hold at least 2 class logits, found " +
                        bcnn::shape_string(net->output_shape()));
    std::printf("%s", net->layer_table().c_str());

    bcnn::OptimizerSpec spec;  // Adam, lr 1e-3 unless the config says otherwise (as the PyTorch comparison)
    if (config.contains("train") && config["train"].contains("optimizer")) {
      bcnn::JsonObject object(config["train"]["optimizer"], config_path, "/train/optimizer");
      spec = bcnn::OptimizerSpec::from_json(object);
    }
    bcnn::Optimizer optimizer(spec, net->params().size(), net->param_ranges());
    const SyntheticData data = make_data(8, batch, net->input_shape(), classes, 2);
    bcnn::Tensor grad_logits;
    bcnn::ForwardContext ctx;
    ctx.training = true;
    ctx.seed = 1;

    double last_loss = 0.0;
    auto train_step = [&](int i) {
      const std::size_t which = static_cast<std::size_t>(i) % data.images.size();
      ctx.step = static_cast<std::uint64_t>(i);
      const bcnn::Tensor& logits = net->forward(data.images[which], ctx);
      bcnn::LossResult loss = bcnn::softmax_cross_entropy(logits, data.labels[which], &grad_logits);
      net->backward(grad_logits);
      optimizer.step(net->params(), net->grads(), spec.lr);
      last_loss = loss.loss_sum / batch;
      if (!std::isfinite(last_loss))
        throw bcnn::Error(config_path + ": loss became " + std::to_string(last_loss) + " at step " +
                          std::to_string(i));
    };

    for (int i = 0; i < warmup; ++i) train_step(i);
    std::vector<double> step_ms;
    step_ms.reserve(static_cast<std::size_t>(steps));
    std::map<int, int> steps_by_threads;  // the thread count each timed step ran with (it follows the load)
    const auto start = clock_type::now();
    for (int i = 0; i < steps; ++i) {
      const auto t0 = clock_type::now();
      train_step(warmup + i);
      step_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
      ++steps_by_threads[bcnn::active_threads()];
    }
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    const double images_per_s = static_cast<double>(batch) * steps / seconds;
    const double median_step_ms = median(step_ms);

    std::string threads_used;
    nlohmann::json threads_json = nlohmann::json::object();
    for (const auto& [n, count] : steps_by_threads) {
      threads_used += " " + std::to_string(n) + ":" + std::to_string(count);
      threads_json[std::to_string(n)] = count;
    }
    std::printf("bench_train %s: batch %d, %d threads %s (timed steps by threads used:%s), OpenBLAS %s, %d steps after "
                "%d warm-up: %.0f images/s (median step %.3f ms, final loss %.4f)\n",
                config_path.c_str(), batch, threads, bcnn::adaptive_threads() ? "adaptive" : "fixed",
                threads_used.c_str(), bcnn::blas_kernels().c_str(), steps, warmup, images_per_s, median_step_ms,
                last_loss);
    if (!json_path.empty())
      write_json_atomically(json_path, {{"benchmark", "bench_train"},
                                        {"framework", "bcnn"},
                                        {"config", config_path},
                                        {"batch", batch},
                                        {"threads", threads},
                                        {"adaptive_threads", bcnn::adaptive_threads()},
                                        {"steps_by_threads", threads_json},
                                        {"blas_kernels", bcnn::blas_kernels()},
                                        {"steps", steps},
                                        {"warmup", warmup},
                                        {"optimizer", spec.to_json()},
                                        {"parameters", net->param_count()},
                                        {"images_per_s", images_per_s},
                                        {"median_step_ms", median_step_ms},
                                        {"final_loss", last_loss}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
