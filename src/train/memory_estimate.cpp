#include "train/memory_estimate.h"

#include <algorithm>

#include "core/checked_math.h"
#include "core/error.h"
#include "core/memory.h"

namespace bcnn {
namespace {

// a * b + c in checked arithmetic; the estimate of an absurd configuration must not wrap.
std::int64_t mul_add(std::int64_t a, std::int64_t b, std::int64_t c) {
  const auto product = checked_mul(a, b);
  const auto sum = product ? checked_add(*product, c) : std::nullopt;
  if (!sum) throw Error("the memory estimate of this network overflows 64 bits: it cannot fit in any machine");
  return *sum;
}

}  // namespace

MemoryEstimate estimate_training_memory(const Network& network, const TrainSpec& spec) {
  constexpr std::int64_t bytes_per_value = 4;
  const std::int64_t moments = spec.optimizer.type == "sgd" ? 1 : 2;
  MemoryEstimate e;
  e.parameter_bytes = mul_add(network.param_count(), (2 + moments) * bytes_per_value, 0);
  // Every further shard (train.shards) holds a replica: parameters and gradients.
  e.parameter_bytes = mul_add(mul_add(network.param_count(), spec.shards - 1, 0), 2 * bytes_per_value,
                              e.parameter_bytes);

  // Forward keeps every layer's output; backward ping-pongs between two buffers of the largest
  // activation; layers with parameters hold workspaces of about their input and output.
  const std::int64_t input_values = shape_size(network.input_shape());
  std::int64_t kept = 0, largest = input_values, workspace = 0;
  for (const auto& layer : network.layers()) {
    const std::int64_t in = shape_size(layer->input_shape()), out = shape_size(layer->output_shape());
    kept = mul_add(1, kept, out);
    largest = std::max(largest, out);
    if (!layer->param_specs().empty()) workspace = mul_add(1, workspace, in + out);
  }
  const std::int64_t widest_batch = std::max(spec.batch, evaluation_batch);
  std::int64_t per_sample = mul_add(1, kept, workspace);
  e.activation_bytes = mul_add(mul_add(widest_batch, per_sample, 0), bytes_per_value,
                               mul_add(2 * spec.batch, largest, 0) * bytes_per_value);
  // The batch trained on, the one prefetched, and an evaluation batch.
  e.batch_bytes = mul_add(mul_add(2 * spec.batch + evaluation_batch, input_values, 0), bytes_per_value, 0);
  return e;
}

void require_training_memory(const Network& network, const TrainSpec& spec, const std::string& origin) {
  const MemoryEstimate e = estimate_training_memory(network, spec);
  require_memory(e.total(),
                 origin + ": training this network (" + format_gib(e.parameter_bytes) +
                     " for parameters, gradients and optimizer state, " +
                     format_gib(e.activation_bytes + e.batch_bytes) + " for activations) at batch " +
                     std::to_string(spec.batch),
                 "try a smaller --batch or smaller layers");
}

}  // namespace bcnn
