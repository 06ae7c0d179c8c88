#pragma once
// The shards of a global batch as threads of one process (train.shards): the ShardReducer each
// shard's thread passes to its layers. A sum waits for every shard, adds their values in shard
// order and gives every shard the same result, however the threads are scheduled.
#include <condition_variable>
#include <mutex>
#include <span>
#include <vector>

#include "layers/layer.h"

namespace bcnn {

class ThreadShards {
 public:
  explicit ThreadShards(int shards);
  ThreadShards(const ThreadShards&) = delete;
  ThreadShards& operator=(const ThreadShards&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  // The reducer of shard `shard` (0 <= shard < size()); every shard must call each sum, with
  // values of the same length, in the same sequence.
  ShardReducer& reducer(int shard) { return members_.at(static_cast<std::size_t>(shard)); }

  // A shard that fails calls abort(): every sum waiting or still to come throws bcnn::Error
  // instead of waiting for it forever. reset() makes the group usable again (all shards stopped).
  void abort();
  void reset();

 private:
  struct Member final : ShardReducer {
    ThreadShards* group = nullptr;
    int shard = 0;
    void sum(std::span<double> values) override { group->sum(shard, values); }
  };
  void sum(int shard, std::span<double> values);
  // Waits until every shard has arrived (a reusable barrier); throws when the group is aborted.
  void arrive_and_wait(std::unique_lock<std::mutex>& lock);

  std::vector<Member> members_;
  std::vector<std::span<double>> inputs_;
  std::vector<double> result_;
  bool lengths_differ_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  unsigned long generation_ = 0;
  bool aborted_ = false;
};

}  // namespace bcnn
