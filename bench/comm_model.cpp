// The communication model of data-parallel training (docs/distributed.md): for each network config
// and its dense twin, the bytes a rank sends per step under mpirun (gradients by reduce-scatter +
// all-gather, batchnorm sums and the step's totals by all-gather), a rank's compute time per step
// measured here (forward, loss, backward and the optimizer on synthetic data), and the efficiency
// those predict at N ranks and B Gbit/s: weak scaling, `--batch` images per rank and step.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "bench_common.h"
#include "core/threads.h"
#include "dist/sharded_step.h"
#include "layers/softmax_cross_entropy.h"
#include "train/config.h"
#include "train/optimizer.h"

namespace {

using bench::clock_type;

// The config with every block-circulant layer made dense (its dense twin).
nlohmann::json dense_twin(nlohmann::json config) {
  for (auto& layer : config["layers"]) {
    const std::string type = layer.value("type", "");
    if (type != "bc_dense" && type != "bc_conv2d") continue;
    layer["type"] = type == "bc_dense" ? "dense" : "conv2d";
    layer.erase("block");
  }
  return config;
}

struct Measured {
  std::int64_t params = 0;              // the gradient array a step sums (running statistics included)
  std::vector<int> batchnorm_channels;  // per batchnorm layer
  double step_ms = 0;                   // median compute time of one step on one rank
};

Measured measure(const nlohmann::json& config, const std::string& origin, int batch, int steps) {
  auto net = bcnn::Network::build(config, origin);
  net->init_params(1);
  Measured m;
  m.params = static_cast<std::int64_t>(net->params().size());
  for (const auto& layer : net->layers())
    if (layer->type() == "batchnorm") m.batchnorm_channels.push_back(layer->input_shape()[0]);
  bcnn::Optimizer optimizer(bcnn::OptimizerSpec{}, net->params().size(), net->param_ranges());
  bcnn::Tensor x(batch, net->input_shape()), grad;
  bcnn::Rng rng(7);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = rng.uniform();
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (auto& label : labels) label = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(net->num_classes())));
  std::vector<double> times;
  for (int i = 0; i < steps + 1; ++i) {
    const auto start = clock_type::now();
    const bcnn::Tensor& logits = net->forward(x, {true, 1, static_cast<std::uint64_t>(i)});
    bcnn::softmax_cross_entropy(logits, labels, &grad);
    net->backward(grad);
    optimizer.step(net->params(), net->grads(), 1e-4);
    if (i > 0) times.push_back(bench::elapsed_ms(start, clock_type::now()));  // the first warms up
  }
  m.step_ms = bench::median(times);
  return m;
}

// Bytes a rank sends per step with n ranks, and the messages it waits for in sequence.
struct Traffic {
  double gradient_bytes = 0, small_bytes = 0;
  double gradient_messages = 0, small_messages = 0;
};

Traffic traffic(const Measured& m, int n, std::int64_t bucket_values) {
  Traffic t;
  const double ranks = n;
  // Reduce-scatter + all-gather: (n - 1) / n of the array out in each, n - 1 messages each, per bucket.
  t.gradient_bytes = 2.0 * (ranks - 1) / ranks * 4.0 * static_cast<double>(m.params);
  const double buckets = std::ceil(static_cast<double>(m.params) / static_cast<double>(bucket_values));
  t.gradient_messages = 2.0 * (ranks - 1) * buckets;
  // Sums of doubles (mpi_communicator.cpp): each batchnorm's C + 1 sums and C squares forward, 2C
  // backward; the step's interrupt flag and its 2 totals. A vector whose copies from all ranks fit
  // in 16 KiB goes whole to the n - 1 others; a longer one as the gradients.
  std::vector<double> vectors{1, 2};
  for (int c : m.batchnorm_channels) vectors.insert(vectors.end(), {c + 1.0, static_cast<double>(c), 2.0 * c});
  for (double v : vectors) {
    if (v * ranks * 8 > static_cast<double>(bcnn::whole_sum_limit_bytes)) {
      t.small_bytes += 2.0 * (ranks - 1) / ranks * 8.0 * v;
      t.small_messages += 2.0 * (ranks - 1);
    } else {
      t.small_bytes += (ranks - 1) * 8.0 * v;
      t.small_messages += ranks - 1;
    }
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Communication model of data-parallel training: bytes per step and predicted scaling"};
  std::vector<std::string> configs;
  int threads = 1, batch = 128, steps = 5;
  double latency_us = 20;
  std::vector<double> gbits{10, 25};
  std::vector<int> ranks{8, 64, 512};
  app.add_option("configs", configs, "network configs (JSON)")->required();
  app.add_option("--threads", threads, "threads per rank")->check(CLI::Range(1, 1024));
  app.add_option("--batch", batch, "images per rank and step")->check(CLI::Range(1, 1 << 16));
  app.add_option("--steps", steps, "timed steps per network (the median is used)")->check(CLI::Range(1, 10000));
  app.add_option("--latency-us", latency_us, "one message's latency (TCP over Ethernet: tens of microseconds)");
  app.add_option("--gbits", gbits, "link speeds, Gbit/s")->delimiter(',');
  app.add_option("--ranks", ranks, "rank counts")->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  try {
    bcnn::set_threads(threads);
    std::printf("| config | network | gradient values | MB sent per step | compute ms per step |");
    for (int n : ranks)
      for (double g : gbits) std::printf(" %d ranks, %g Gbit/s |", n, g);
    std::printf("\n|---|---|---|---|---|");
    for (std::size_t i = 0; i < ranks.size() * gbits.size(); ++i) std::printf("---|");
    std::printf("\n");
    for (const std::string& path : configs) {
      const nlohmann::json config = bcnn::read_json_file(path);
      for (const bool dense : {false, true}) {
        const nlohmann::json network = dense ? dense_twin(config) : config;
        if (dense && network == config) continue;  // already dense
        const Measured m = measure(network, path, batch, steps);
        const Traffic at_largest = traffic(m, ranks.back(), bcnn::ShardedStep::bucket_values);
        std::printf("| %s | %s | %lld | %.2f (at %d ranks) | %.1f |", std::filesystem::path(path).filename().c_str(),
                    dense ? "dense twin" : "as configured", static_cast<long long>(m.params),
                    (at_largest.gradient_bytes + at_largest.small_bytes) / 1e6, ranks.back(), m.step_ms);
        for (int n : ranks)
          for (double g : gbits) {
            const Traffic t = traffic(m, n, bcnn::ShardedStep::bucket_values);
            const double bytes_per_ms = g * 1e9 / 8 / 1e3;
            const double gradient_ms = t.gradient_bytes / bytes_per_ms + t.gradient_messages * latency_us / 1e3;
            const double small_ms = t.small_bytes / bytes_per_ms + t.small_messages * latency_us / 1e3;
            // The gradients may travel during the backward pass (about 2/3 of a step); the small
            // sums wait. Efficiency: compute time over step time; the speed-up is n times it.
            const double hidden = std::min(gradient_ms, 2.0 / 3.0 * m.step_ms);
            const double step = m.step_ms + small_ms + gradient_ms - hidden;
            std::printf(" %.0f%% (%.0fx) |", 100 * m.step_ms / step, n * m.step_ms / step);
          }
        std::printf("\n");
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "comm_model: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
