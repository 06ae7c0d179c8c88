#include "dist/shard_slice.h"

#include <algorithm>
#include <cstdint>

namespace bcnn {

ShardSlice shard_slice(int batch, int shards, int shard) {
  const auto cut = [&](int s) { return static_cast<int>(static_cast<std::int64_t>(batch) * s / shards); };
  return {cut(shard), cut(shard + 1) - cut(shard)};
}

void copy_rows(const Tensor& batch, ShardSlice slice, Tensor& out) {
  out.resize(slice.count, batch.sample_shape());
  std::copy(batch.sample(slice.first), batch.sample(slice.first) + out.size(), out.data());
}

}  // namespace bcnn
