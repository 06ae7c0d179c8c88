#include "eval/evaluate.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>

#include "layers/softmax_cross_entropy.h"

namespace bcnn {

void gather_batch(const Dataset& data, const int* indices, int count, Tensor& images,
                  std::vector<std::int32_t>& labels) {
  images.resize(count, data.sample_shape());
  labels.resize(count);
  const std::size_t per = static_cast<std::size_t>(data.images.sample_size());
  for (int i = 0; i < count; ++i) {
    const float* src = data.images.sample(indices[i]);
    std::copy(src, src + per, images.sample(i));
    labels[i] = data.labels[indices[i]];
  }
}

EvalResult evaluate(Network& network, const Dataset& data, int batch, std::vector<float>* logits_out) {
  auto start = std::chrono::steady_clock::now();
  EvalResult r;
  r.images = data.size();
  r.num_classes = network.num_classes();
  const int C = r.num_classes;
  r.confusion.assign(static_cast<std::size_t>(C) * C, 0);
  std::vector<int> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  Tensor images;
  std::vector<std::int32_t> labels;
  double loss_sum = 0;
  std::int64_t correct = 0;
  if (logits_out) logits_out->clear();
  for (int begin = 0; begin < data.size(); begin += batch) {
    int count = std::min(batch, data.size() - begin);
    gather_batch(data, order.data() + begin, count, images, labels);
    const Tensor& logits = network.forward(images, {});
    LossResult lr = softmax_cross_entropy(logits, labels, nullptr);
    if (logits_out) logits_out->insert(logits_out->end(), logits.data(), logits.data() + logits.size());
    loss_sum += lr.loss_sum;
    correct += lr.correct;
    for (int b = 0; b < count; ++b) {
      int predicted = argmax(logits.sample(b), C);
      ++r.confusion[static_cast<std::size_t>(labels[b]) * C + predicted];
    }
  }
  r.loss_sum = loss_sum;
  r.correct = correct;
  r.mean_loss = data.size() ? loss_sum / data.size() : 0.0;
  r.accuracy = data.size() ? static_cast<double>(correct) / data.size() : 0.0;
  for (int c = 0; c < C; ++c) {
    std::int64_t row = 0;
    for (int p = 0; p < C; ++p) row += r.confusion[static_cast<std::size_t>(c) * C + p];
    r.class_accuracy.push_back(row ? static_cast<double>(r.confusion[static_cast<std::size_t>(c) * C + c]) / row : 0.0);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

Calibration calibrate(Network& network, const Dataset& data, int max_images, int batch) {
  Calibration cal;
  const int n = std::min(max_images, data.size());
  cal.images = n;
  const auto& layers = network.layers();
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<double> lo(layers.size() + 1, inf), hi(layers.size() + 1, -inf);  // index 0: network input
  // Minimum and maximum are exact, so the split over threads and vector lanes changes nothing.
  auto track = [](const Tensor& t, double& mn, double& mx) {
    const float* v = t.data();
    const std::ptrdiff_t size = static_cast<std::ptrdiff_t>(t.size());
    float lo_v = std::numeric_limits<float>::infinity(), hi_v = -lo_v;
#pragma omp parallel for simd reduction(min : lo_v) reduction(max : hi_v) if (size > (1 << 16))
    for (std::ptrdiff_t i = 0; i < size; ++i) {
      lo_v = std::min(lo_v, v[i]);
      hi_v = std::max(hi_v, v[i]);
    }
    if (size) {
      mn = std::min(mn, static_cast<double>(lo_v));
      mx = std::max(mx, static_cast<double>(hi_v));
    }
  };
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  Tensor images;
  std::vector<std::int32_t> labels;
  for (int begin = 0; begin < n; begin += batch) {
    int count = std::min(batch, n - begin);
    gather_batch(data, order.data() + begin, count, images, labels);
    network.forward(images, {});
    track(images, lo[0], hi[0]);
    for (std::size_t i = 0; i < layers.size(); ++i) track(network.output(static_cast<int>(i)), lo[i + 1], hi[i + 1]);
  }
  for (std::size_t i = 0; i < layers.size(); ++i)
    cal.layers[layers[i]->name()] = {lo[i], hi[i], lo[i + 1], hi[i + 1]};
  return cal;
}

}  // namespace bcnn
