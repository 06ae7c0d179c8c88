#pragma once
// One training step over a global batch split into shards. Each shard computes forward, loss and
// backward on its slice of the batch with batchnorm statistics summed over all shards, and the
// shards' gradients are summed in shard order into the trainer's network. The shards are either
// threads of this process (train.shards; each with its own replica of the network: parameters,
// gradients, activations) or the processes of an MPI job (one shard per rank, dist/communicator.h);
// shard s computes the same bits either way, given the same thread count.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "dist/comm_thread.h"
#include "dist/communicator.h"
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
// The rows [slice.first, slice.first + slice.count) of a batch, into `out` (resized).
void copy_rows(const Tensor& batch, ShardSlice slice, Tensor& out);

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
  // One shard per rank of `comm`: this process computes shard comm.rank() in `net`.
  ShardedStep(Network& net, Communicator& comm);

  int shards() const { return comm_ ? comm_->size() : static_cast<int>(replicas_.size()); }
  // The networks of the shards this process computes (all, or its rank's).
  int local_shards() const { return static_cast<int>(replicas_.size()); }
  Network& replica(int local) { return local == 0 ? net_ : *replicas_[local]; }

  // Forward, loss and backward of every shard on its slice of (images, labels), with `context`'s
  // seed and step. Afterwards net.grads() holds the sum of the shards' gradients (in shard
  // order). Rethrows the first shard's error (the others stop at their next batchnorm sum).
  StepTotals run(const Tensor& images, std::span<const std::int32_t> labels, const ForwardContext& context,
                 const ShardLoss& loss);

  // Copies net's parameters (after an optimizer step, a resume or an --init) to every replica.
  void copy_params();

  // Under MPI, since the last call: the seconds of communication (batchnorm sums, gradient buckets,
  // loss totals; waiting for the other ranks included), and of those the seconds the step waited
  // for it (the rest overlapped the backward pass).
  struct CommunicationTime {
    double total = 0, waited = 0;
  };
  CommunicationTime take_communication_time();

  // Gradients travel in buckets of this many values (the last layers' first).
  static constexpr std::size_t bucket_values = 1 << 16;

 private:
  StepTotals run_rank(const Tensor& images, std::span<const std::int32_t> labels, const ForwardContext& context,
                      const ShardLoss& loss);

  Network& net_;
  std::vector<std::unique_ptr<Network>> replicas_;  // [0] is null: shard 0 is net_
  int threads_per_shard_ = 1;
  ThreadShards group_;
  Communicator* comm_ = nullptr;
  std::unique_ptr<CommThread> comm_thread_;
  std::unique_ptr<ShardReducer> comm_reducer_;
  std::vector<std::size_t> layer_offsets_;  // per layer: where its parameters start (none: SIZE_MAX)
  CommunicationTime time_;
  std::vector<Tensor> slices_;
};

}  // namespace bcnn
