#pragma once
// Timing and output helpers shared by the benchmark programs.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "core/tensor.h"
#include "net/network.h"

namespace bench {

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

}  // namespace bench
