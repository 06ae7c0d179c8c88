#include "eval/fixed_eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/interrupt.h"
#include "eval/evaluate.h"
#include "layers/softmax_cross_entropy.h"
#include "quant/emulator.h"

namespace bcnn {

FixedEvalResult evaluate_fixed(const QuantizedModel& model, Network* float_network, const Dataset& data,
                               int max_images) {
  auto start = std::chrono::steady_clock::now();
  FixedEvalResult r;
  r.images = max_images < 0 ? data.size() : std::min(max_images, data.size());
  r.num_classes = model.n_out;
  const int C = model.n_out;
  r.logits_raw.assign(static_cast<std::size_t>(r.images) * C, 0);

  FixedEmulator emulator(model);
  // In chunks, so that a Ctrl-C (throw_if_interrupted) is seen within a fraction of a second.
  constexpr int chunk = 1024;
  for (int first = 0; first < r.images; first += chunk) {
    throw_if_interrupted();
    const int last = std::min(r.images, first + chunk);
#pragma omp parallel for schedule(dynamic, 16)
    for (int i = first; i < last; ++i)
      emulator.run(data.images.sample(i), r.logits_raw.data() + static_cast<std::size_t>(i) * C);
  }

  const FixedFormat out_format = model.layers.back().out;
  r.fixed_logits.resize(r.logits_raw.size());
  for (std::size_t i = 0; i < r.logits_raw.size(); ++i)
    r.fixed_logits[i] = static_cast<float>(bcnn_hls::to_double(r.logits_raw[i], out_format));
  if (float_network) r.float_logits.resize(r.logits_raw.size());
  std::vector<int> order(r.images);
  std::iota(order.begin(), order.end(), 0);
  Tensor images;
  std::vector<std::int32_t> labels;
  std::int64_t fixed_correct = 0, float_correct = 0, agree = 0;
  const int batch = 500;
  for (int begin = 0; begin < r.images; begin += batch) {
    throw_if_interrupted();
    const int count = std::min(batch, r.images - begin);
    gather_batch(data, order.data() + begin, count, images, labels);
    const Tensor* logits = float_network ? &float_network->forward(images, {}) : nullptr;
    for (int b = 0; b < count; ++b) {
      const std::int64_t* raw = r.logits_raw.data() + static_cast<std::size_t>(begin + b) * C;
      // Ties in fixed point go to the first class, as the hardware's argmax does.
      const int fixed_class = static_cast<int>(std::max_element(raw, raw + C) - raw);
      fixed_correct += fixed_class == labels[b];
      if (!logits) continue;
      float* float_row = r.float_logits.data() + static_cast<std::size_t>(begin + b) * C;
      std::copy(logits->sample(b), logits->sample(b) + C, float_row);
      for (int c = 0; c < C; ++c)
        r.max_logit_error = std::max(r.max_logit_error,
                                     std::fabs(bcnn_hls::to_double(raw[c], out_format) - logits->sample(b)[c]));
      const int float_class = argmax(logits->sample(b), C);
      float_correct += float_class == labels[b];
      agree += fixed_class == float_class;
    }
  }
  if (r.images > 0) {
    r.accuracy = static_cast<double>(fixed_correct) / r.images;
    r.float_accuracy = static_cast<double>(float_correct) / r.images;
    r.agreement = static_cast<double>(agree) / r.images;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace bcnn
