#pragma once
// How a global batch is cut into shards: shard s of S takes the contiguous samples
// [B * s / S, B * (s + 1) / S) of a batch of B (sizes differ by at most one). The trainer's
// shards, the ranks of an MPI job and the data loader of each rank all cut by this.
#include "core/tensor.h"

namespace bcnn {

struct ShardSlice {
  int first = 0;
  int count = 0;
};

// The samples of shard `shard` of `shards` in a batch of `batch`: [first, first + count).
ShardSlice shard_slice(int batch, int shards, int shard);

// The rows [slice.first, slice.first + slice.count) of a batch, into `out` (resized).
void copy_rows(const Tensor& batch, ShardSlice slice, Tensor& out);

}  // namespace bcnn
