#pragma once
// One training step over a global batch split into shards (train.shards): each shard runs on a
// thread of its own with its own replica of the network (parameters, gradients, activations),
// computes forward, loss and backward on its slice of the batch, with batchnorm statistics summed
// over all shards (ThreadShards), and the shards' gradients are summed in shard order into the
// trainer's network. Shard s computes what one MPI rank computes for the same slice, with the
// same thread count.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "dist/thread_shards.h"
#include "layers/softmax_cross_entropy.h"
#include "net/network.h"

namespace bcnn {

// The samples of shard `shard` of `shards` in a batch of `batch`: [first, first + count), the
// batch cut at batch * s / shards (sizes differ by at most one).
struct ShardSlice {
  int first = 0;
  int count = 0;
};
ShardSlice shard_slice(int batch, int shards, int shard);

// The loss of one shard: its logits and labels, the index of its first sample in the global
// batch, the gradient to write (of the mean loss over `mean_over` samples: the global batch).
using ShardLoss = std::function<LossResult(const Tensor& logits, std::span<const std::int32_t> labels, int first,
                                           Tensor* grad, int mean_over)>;

struct StepTotals {
  double loss_sum = 0;  // over the global batch
  std::int64_t correct = 0;
};

class ShardedStep {
 public:
  // `net` is shard 0's network (the trainer's, allocated); the other shards' replicas are built
  // from `description` and get net's parameters. Each shard computes with `threads_per_shard`.
  ShardedStep(Network& net, const nlohmann::json& description, int shards, int threads_per_shard);

  int shards() const { return static_cast<int>(replicas_.size()); }
  Network& replica(int shard) { return shard == 0 ? net_ : *replicas_[shard]; }

  // Forward, loss and backward of every shard on its slice of (images, labels), with `context`'s
  // seed and step. Afterwards net.grads() holds the sum of the shards' gradients (in shard
  // order). Rethrows the first shard's error (the others stop at their next batchnorm sum).
  StepTotals run(const Tensor& images, std::span<const std::int32_t> labels, const ForwardContext& context,
                 const ShardLoss& loss);

  // Copies net's parameters (after an optimizer step, a resume or an --init) to every replica.
  void copy_params();

 private:
  Network& net_;
  std::vector<std::unique_ptr<Network>> replicas_;  // [0] is null: shard 0 is net_
  int threads_per_shard_;
  ThreadShards group_;
  std::vector<Tensor> slices_;
};

}  // namespace bcnn
