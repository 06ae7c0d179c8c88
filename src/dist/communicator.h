#pragma once
// The processes of a data-parallel run (MPI ranks, dist/mpi_communicator.h): each computes one
// shard of every global batch. The sums are added in rank order, so every rank gets the same bits,
// and the same bits as the shards of one process (ThreadShards, ShardedStep) with the same split.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace bcnn {

// A sum of doubles whose copies from all ranks fit in this many bytes goes whole from every rank to
// every rank; a longer one by reduce-scatter + all-gather, as the gradients (the same bits).
inline constexpr std::size_t whole_sum_limit_bytes = 1 << 14;

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Replaces every value by its sum over the ranks, added in rank order: ((v0 + v1) + v2) ...
  virtual void sum(std::span<double> values) = 0;
  virtual void sum(std::span<float> values) = 0;
  // Rank 0's bytes, on every rank (the sizes must agree).
  virtual void broadcast(std::span<std::byte> bytes) = 0;
  // Every rank's text, in rank order, on every rank.
  virtual std::vector<std::string> gather(const std::string& text) = 0;
  // Ends every process of the job with `status` (after this rank's message is out).
  [[noreturn]] virtual void abort(int status) = 0;
};

}  // namespace bcnn
