#include "dist/thread_shards.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace bcnn {

ThreadShards::ThreadShards(int shards)
    : members_(static_cast<std::size_t>(std::max(shards, 0))), inputs_(members_.size()) {
  if (shards < 1) throw Error("ThreadShards: expected at least 1 shard, found " + std::to_string(shards));
  for (int s = 0; s < shards; ++s) {
    members_[s].group = this;
    members_[s].shard = s;
  }
}

void ThreadShards::abort() {
  std::lock_guard<std::mutex> lock(mutex_);
  aborted_ = true;
  changed_.notify_all();
}

void ThreadShards::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  aborted_ = false;
  arrived_ = 0;
}

void ThreadShards::arrive_and_wait(std::unique_lock<std::mutex>& lock) {
  if (aborted_) throw Error("another shard of the batch failed");
  const unsigned long generation = generation_;
  if (++arrived_ == size()) {
    arrived_ = 0;
    ++generation_;
    changed_.notify_all();
    return;
  }
  changed_.wait(lock, [&] { return generation_ != generation || aborted_; });
  if (generation_ == generation) throw Error("another shard of the batch failed");
}

void ThreadShards::sum(int shard, std::span<double> values) {
  std::unique_lock<std::mutex> lock(mutex_);
  inputs_[shard] = values;
  arrive_and_wait(lock);
  // Shard 0 adds, in shard order; the others wait for the result.
  if (shard == 0) {
    lengths_differ_ = std::any_of(inputs_.begin(), inputs_.end(),
                                  [&](const auto& input) { return input.size() != values.size(); });
    result_.assign(values.begin(), values.end());
    for (std::size_t s = 1; s < inputs_.size() && !lengths_differ_; ++s)
      for (std::size_t i = 0; i < result_.size(); ++i) result_[i] += inputs_[s][i];
  }
  arrive_and_wait(lock);
  // Every shard throws (a programming error: the shards ran different code), none waits forever.
  if (lengths_differ_) throw Error("ThreadShards: the shards' sums differ in length");
  std::copy(result_.begin(), result_.end(), values.begin());
  // Nobody starts the next sum (and overwrites inputs_ or result_) before everyone has copied.
  arrive_and_wait(lock);
}

}  // namespace bcnn
