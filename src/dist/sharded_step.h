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
#include "dist/shard_slice.h"
#include "dist/thread_shards.h"
#include "layers/softmax_cross_entropy.h"
#include "net/network.h"

namespace bcnn {

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

  // The rows of a global batch of `batch` samples that this process holds and computes: all of
  // them with threads, the rank's shard under MPI (its data loader gathers only those).
  ShardSlice local_rows(int batch) const;

  // Forward, loss and backward of every shard on its slice of a global batch of `batch` samples,
  // of which (images, labels) are this process's local_rows(batch), with `context`'s seed and
  // step. Afterwards net.grads() holds the sum of all shards' gradients (in shard order), and
  // the totals are the global batch's. Rethrows the first shard's error (the others stop at their
  // next batchnorm sum).
  StepTotals run(const Tensor& images, std::span<const std::int32_t> labels, int batch, const ForwardContext& context,
                 const ShardLoss& loss);

  // `f` applied to each local shard's rows of `images` (this process's local_rows(batch)) with
  // that shard's thread count, one shard after the other, as the shard itself would compute them;
  // the results' rows in the order of `images`, into `out`. For the teacher of a distillation:
  // N ranks and N shards then see the same bits of its logits.
  void map_local_shards(const Tensor& images, int batch, const std::function<const Tensor&(const Tensor&)>& f,
                        Tensor& out);

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
  StepTotals run_rank(const Tensor& images, std::span<const std::int32_t> labels, int batch,
                      const ForwardContext& context, const ShardLoss& loss);

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
