#include "dist/sharded_step.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/threads.h"

namespace bcnn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Batchnorm's sums over the ranks, made on the communication thread after what is queued there
// (gradient buckets of the layers above); the layer waits for them.
class CommThreadReducer final : public ShardReducer {
 public:
  CommThreadReducer(Communicator& comm, CommThread& thread, ShardedStep::CommunicationTime& time)
      : comm_(comm), thread_(thread), time_(time) {}
  void sum(std::span<double> values) override {
    const auto start = Clock::now();
    thread_.run([&] {
      const auto sum_start = Clock::now();
      comm_.sum(values);
      time_.total += seconds_since(sum_start);
    });
    time_.waited += seconds_since(start);
  }

 private:
  Communicator& comm_;
  CommThread& thread_;
  ShardedStep::CommunicationTime& time_;
};

}  // namespace

ShardedStep::ShardedStep(Network& net, const nlohmann::json& description, int shards, int threads_per_shard)
    : net_(net), threads_per_shard_(std::max(1, threads_per_shard)), group_(shards), slices_(shards) {
  replicas_.resize(static_cast<std::size_t>(shards));
  for (int s = 1; s < shards; ++s) {
    replicas_[s] = Network::build(description, "shard " + std::to_string(s));
    if (replicas_[s]->params().size() != net_.params().size())
      throw Error("shard " + std::to_string(s) + ": expected a replica of " + std::to_string(net_.params().size()) +
                  " parameters, found " + std::to_string(replicas_[s]->params().size()));
  }
  copy_params();
}

ShardedStep::ShardedStep(Network& net, Communicator& comm)
    : net_(net), group_(1), comm_(&comm), comm_thread_(std::make_unique<CommThread>()), slices_(1) {
  replicas_.resize(1);
  comm_reducer_ = std::make_unique<CommThreadReducer>(comm, *comm_thread_, time_);
  layer_offsets_.assign(net.layers().size(), SIZE_MAX);
  for (const ParamRange& r : net.param_ranges())
    layer_offsets_[r.layer] = std::min(layer_offsets_[r.layer], r.offset);
}

void ShardedStep::copy_params() {
  for (std::size_t s = 1; s < replicas_.size(); ++s)
    std::copy(net_.params().begin(), net_.params().end(), replicas_[s]->params().begin());
}

ShardSlice ShardedStep::local_rows(int batch) const {
  return comm_ ? shard_slice(batch, comm_->size(), comm_->rank()) : ShardSlice{0, batch};
}

void ShardedStep::map_local_shards(const Tensor& images, int batch,
                                   const std::function<const Tensor&(const Tensor&)>& f, Tensor& out) {
  if (comm_) {
    const Tensor& result = f(images);
    out.resize(result.batch(), result.sample_shape());
    std::copy(result.data(), result.data() + result.size(), out.data());
    return;
  }
  for (int s = 0; s < shards(); ++s) {
    const ShardSlice slice = shard_slice(batch, shards(), s);
    copy_rows(images, slice, slices_[s]);
    ShardThreadScope scope(threads_per_shard_);
    const Tensor& result = f(slices_[s]);
    if (s == 0) out.resize(batch, result.sample_shape());
    std::copy(result.data(), result.data() + result.size(), out.sample(slice.first));
  }
}

StepTotals ShardedStep::run(const Tensor& images, std::span<const std::int32_t> labels, int batch,
                            const ForwardContext& context, const ShardLoss& loss) {
  const int n = shards();
  if (batch < n)
    throw Error("a batch of " + std::to_string(batch) + " images cannot be split into " + std::to_string(n) +
                " shards (train.shards): every shard needs at least one image");
  const ShardSlice local = local_rows(batch);
  if (images.batch() != local.count || labels.size() != static_cast<std::size_t>(local.count))
    throw Error("internal error: a shard step of a batch of " + std::to_string(batch) + " expected its " +
                std::to_string(local.count) + " local rows, found " + std::to_string(images.batch()) + " images and " +
                std::to_string(labels.size()) + " labels");
  if (comm_) return run_rank(images, labels, batch, context, loss);
  std::vector<LossResult> results(n);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<int> first_failed{-1};  // the shard whose own error stopped the others
  group_.reset();
  auto run_shard = [&](int s) {
    try {
      ShardThreadScope scope(threads_per_shard_);
      const ShardSlice slice = shard_slice(batch, n, s);
      Tensor& x = slices_[s];
      copy_rows(images, slice, x);
      ForwardContext ctx = context;
      ctx.first_sample = static_cast<std::uint64_t>(slice.first);
      ctx.shards = &group_.reducer(s);
      Network& net = replica(s);
      const Tensor& logits = net.forward(x, ctx);
      Tensor grad;
      results[s] = loss(logits, labels.subspan(slice.first, slice.count), slice.first, &grad, batch);
      net.backward(grad);
    } catch (...) {
      errors[s] = std::current_exception();
      int none = -1;
      first_failed.compare_exchange_strong(none, s);
      group_.abort();
    }
  };
  std::vector<std::thread> threads;
  for (int s = 1; s < n; ++s) threads.emplace_back(run_shard, s);
  run_shard(0);
  for (auto& t : threads) t.join();
  if (first_failed.load() >= 0) std::rethrow_exception(errors[first_failed.load()]);

  // The gradients summed in shard order, element by element (the bits do not depend on threads).
  std::vector<const float*> parts;
  for (int s = 1; s < n; ++s) parts.push_back(replicas_[s]->grads().data());
  float* total = net_.grads().data();
  const std::int64_t size = static_cast<std::int64_t>(net_.grads().size());
#pragma omp parallel for schedule(static) if (size > (1 << 16))
  for (std::int64_t i = 0; i < size; ++i) {
    float g = total[i];
    for (const float* part : parts) g += part[i];
    total[i] = g;
  }
  StepTotals totals;
  for (const auto& r : results) {
    totals.loss_sum += r.loss_sum;
    totals.correct += r.correct;
  }
  return totals;
}

StepTotals ShardedStep::run_rank(const Tensor& images, std::span<const std::int32_t> labels, int batch,
                                 const ForwardContext& context, const ShardLoss& loss) {
  const ShardSlice slice = local_rows(batch);
  ForwardContext ctx = context;
  ctx.first_sample = static_cast<std::uint64_t>(slice.first);
  ctx.shards = comm_reducer_.get();
  const Tensor& logits = net_.forward(images, ctx);
  Tensor grad;
  const LossResult result = loss(logits, labels, slice.first, &grad, batch);
  // The gradient arena holds the layers in order, so once layer i is done everything from its
  // first parameter to the end is final: buckets leave from the end while the backward pass
  // goes on. The sums are element by element, so the buckets do not change a bit.
  std::span<float> grads = net_.grads();
  std::size_t pending_end = grads.size();
  auto send = [&](std::size_t from, std::size_t to) {
    std::span<float> bucket = grads.subspan(from, to - from);
    comm_thread_->post([this, bucket] {
      const auto start = Clock::now();
      comm_->sum(bucket);
      time_.total += seconds_since(start);
    });
  };
  net_.backward(grad, [&](int layer) {
    const std::size_t from = layer_offsets_[layer];
    if (from == SIZE_MAX || pending_end - from < bucket_values) return;
    send(from, pending_end);
    pending_end = from;
  });
  if (pending_end > 0) send(0, pending_end);
  // Added in rank order as the threads' totals are in shard order (0 + l0 is l0 exactly).
  double totals[2] = {result.loss_sum, static_cast<double>(result.correct)};
  const auto wait_start = Clock::now();
  comm_thread_->run([&] {
    const auto start = Clock::now();
    comm_->sum(std::span<double>(totals, 2));
    time_.total += seconds_since(start);
  });
  time_.waited += seconds_since(wait_start);
  return {totals[0], static_cast<std::int64_t>(totals[1])};
}

ShardedStep::CommunicationTime ShardedStep::take_communication_time() {
  const CommunicationTime time = time_;
  time_ = {};
  return time;
}

}  // namespace bcnn
