#include "compress/statistics_matching.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "eval/evaluate.h"

namespace bcnn {
namespace {

int layer_index(const Network& net, const std::string& name) {
  for (std::size_t i = 0; i < net.layers().size(); ++i)
    if (net.layers()[i]->name() == name) return static_cast<int>(i);
  throw Error("match_output_statistics: no layer \"" + name + "\"");
}

// Per-channel sums and sums of squares of one layer's outputs, over images.
struct ChannelMoments {
  std::vector<double> sum, sum_squares;
  std::int64_t per_channel = 0;  // values per channel seen

  void add(const Tensor& t) {
    const Shape shape = t.sample_shape();
    const int channels = shape.empty() ? 1 : shape[0];
    const std::size_t spatial = t.sample_size() / channels;
    if (sum.empty()) sum.assign(channels, 0.0), sum_squares.assign(channels, 0.0);
    for (int b = 0; b < t.batch(); ++b)
      for (int c = 0; c < channels; ++c) {
        const float* v = t.sample(b) + c * spatial;
        double s = 0, s2 = 0;
        for (std::size_t i = 0; i < spatial; ++i) {
          s += v[i];
          s2 += static_cast<double>(v[i]) * v[i];
        }
        sum[c] += s;
        sum_squares[c] += s2;
      }
    per_channel += static_cast<std::int64_t>(t.batch()) * spatial;
  }
  double mean(int c) const { return sum[c] / per_channel; }
  // Sum over channels of each channel's squared deviations from its mean.
  double within_channel_squares() const {
    double total = 0;
    for (std::size_t c = 0; c < sum.size(); ++c)
      total += std::max(0.0, sum_squares[c] - sum[c] * sum[c] / per_channel);
    return total;
  }
};

// The moments of the outputs of `layers` (indices into `net`), in one pass over the first `count` images.
std::vector<ChannelMoments> moments_of(Network& net, const std::vector<int>& layers, const Dataset& images, int count,
                                       int batch) {
  std::vector<ChannelMoments> m(layers.size());
  std::vector<int> order(count);
  std::iota(order.begin(), order.end(), 0);
  Tensor x;
  std::vector<std::int32_t> labels;
  for (int begin = 0; begin < count; begin += batch) {
    const int n = std::min(batch, count - begin);
    gather_batch(images, order.data() + begin, n, x, labels);
    net.forward(x, {});
    for (std::size_t i = 0; i < layers.size(); ++i) m[i].add(net.output(layers[i]));
  }
  return m;
}

}  // namespace

std::vector<MatchedLayer> match_output_statistics(Network& dense, Network& compressed,
                                                  const std::vector<std::string>& replaced, const Dataset& images,
                                                  int max_images, int batch) {
  const int count = std::min(max_images, images.size());
  if (count < 2) throw Error("--match-statistics: expected at least 2 images to measure on, found " +
                             std::to_string(count));
  // In network order: each layer is matched on the inputs of the layers before it, as corrected.
  std::vector<std::pair<int, std::string>> ordered;
  for (const auto& name : replaced) ordered.emplace_back(layer_index(compressed, name), name);
  std::sort(ordered.begin(), ordered.end());
  // The dense network does not change: one pass measures every target.
  std::vector<int> dense_layers;
  for (const auto& entry : ordered) dense_layers.push_back(layer_index(dense, entry.second));
  const std::vector<ChannelMoments> targets = moments_of(dense, dense_layers, images, count, batch);
  std::vector<MatchedLayer> result;
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    const auto& [index, name] = ordered[i];
    const ChannelMoments& target = targets[i];
    // The compressed network changes with every correction: one pass per layer.
    const ChannelMoments found = moments_of(compressed, {index}, images, count, batch).front();
    Layer& layer = *compressed.layers()[index];
    const double spread = found.within_channel_squares();
    const double scale = spread > 0 ? std::sqrt(target.within_channel_squares() / spread) : 1.0;
    // Output = W x + b: scaling W scales (mean - b); the bias then moves each mean to the target.
    std::span<float> weight = layer.param(0), bias = layer.param(1);
    for (float& w : weight) w = static_cast<float>(w * scale);
    for (std::size_t c = 0; c < bias.size(); ++c) {
      const int ci = static_cast<int>(c);
      bias[c] = static_cast<float>(target.mean(ci) - scale * (found.mean(ci) - bias[c]));
    }
    result.push_back({name, scale});
  }
  return result;
}

}  // namespace bcnn
