#include "dist/mpi_communicator.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"

namespace bcnn {
namespace {

void check(int status, const char* what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw Error(std::string("MPI ") + what + ": " + std::string(text, static_cast<std::size_t>(length)));
}

// Contiguous chunks of a buffer of `size` values, one per rank: chunk r is [cut(r), cut(r + 1)).
std::vector<int> chunk_cuts(std::size_t size, int ranks) {
  std::vector<int> cuts(static_cast<std::size_t>(ranks) + 1);
  for (int r = 0; r <= ranks; ++r) cuts[r] = static_cast<int>(size * static_cast<std::size_t>(r) / ranks);
  return cuts;
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // Errors come back as statuses (then bcnn::Error), not as MPI's default abort.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  ~MpiCommunicator() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  // Doubles (batchnorm statistics, loss totals, flags): a short vector goes whole from every rank
  // to every rank (one message each, latency-bound anyway); a long one (batchnorm sums over many
  // channels at many ranks) as the gradients. Both add in rank order: the same bits.
  void sum(std::span<double> values) override {
    if (values.size() * static_cast<std::size_t>(size_) * sizeof(double) > whole_sum_limit_bytes) {
      reduce_scatter_all_gather(values, MPI_DOUBLE, received_doubles_);
      return;
    }
    const int n = static_cast<int>(values.size());
    received_doubles_.resize(values.size() * static_cast<std::size_t>(size_));
    check(MPI_Allgather(values.data(), n, MPI_DOUBLE, received_doubles_.data(), n, MPI_DOUBLE, MPI_COMM_WORLD),
          "allgather");
    for (int i = 0; i < n; ++i) {
      double total = received_doubles_[static_cast<std::size_t>(i)];
      for (int r = 1; r < size_; ++r) total += received_doubles_[static_cast<std::size_t>(r) * n + i];
      values[i] = total;
    }
  }

  void sum(std::span<float> values) override { reduce_scatter_all_gather(values, MPI_FLOAT, received_floats_); }

  void broadcast(std::span<std::byte> bytes) override {
    // In pieces below 2^31 bytes (MPI counts are ints).
    constexpr std::size_t piece = std::size_t{1} << 30;
    for (std::size_t offset = 0; offset < bytes.size(); offset += piece)
      check(MPI_Bcast(bytes.data() + offset, static_cast<int>(std::min(piece, bytes.size() - offset)), MPI_BYTE, 0,
                      MPI_COMM_WORLD),
            "broadcast");
  }

  std::vector<std::string> gather(const std::string& text) override {
    const int length = static_cast<int>(text.size());
    std::vector<int> lengths(size_), offsets(size_);
    check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD), "allgather");
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = total;
      total += lengths[r];
    }
    std::string all(static_cast<std::size_t>(total), '\0');
    check(MPI_Allgatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                         MPI_COMM_WORLD),
          "allgather");
    std::vector<std::string> texts;
    for (int r = 0; r < size_; ++r)
      texts.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
    return texts;
  }

  // A reduce-scatter in which rank r adds chunk r of every rank's values in rank order, then an
  // all-gather of the sums: each rank sends and receives 2 (size - 1) / size of the buffer, as a
  // ring all-reduce does, with the order of the additions fixed.
  template <class T>
  void reduce_scatter_all_gather(std::span<T> values, MPI_Datatype type, std::vector<T>& received) {
    const std::vector<int> cuts = chunk_cuts(values.size(), size_);
    const int mine = cuts[rank_ + 1] - cuts[rank_];
    std::vector<int> send_counts(size_), send_offsets(size_), receive_counts(size_), receive_offsets(size_);
    for (int r = 0; r < size_; ++r) {
      send_counts[r] = cuts[r + 1] - cuts[r];
      send_offsets[r] = cuts[r];
      receive_counts[r] = mine;
      receive_offsets[r] = r * mine;
    }
    received.resize(static_cast<std::size_t>(mine) * size_);
    check(MPI_Alltoallv(values.data(), send_counts.data(), send_offsets.data(), type, received.data(),
                        receive_counts.data(), receive_offsets.data(), type, MPI_COMM_WORLD),
          "all-to-all (reduce-scatter of sums)");
    T* chunk = values.data() + cuts[rank_];
    for (int i = 0; i < mine; ++i) {
      T total = received[static_cast<std::size_t>(i)];
      for (int r = 1; r < size_; ++r) total += received[static_cast<std::size_t>(r) * mine + i];
      chunk[i] = total;
    }
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, values.data(), send_counts.data(), send_offsets.data(),
                         type, MPI_COMM_WORLD),
          "all-gather (sums)");
  }

  [[noreturn]] void abort(int status) override {
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, status);
    std::_Exit(status);
  }

 private:
  int rank_ = 0, size_ = 1;
  std::vector<double> received_doubles_;
  std::vector<float> received_floats_;
};

}  // namespace

std::unique_ptr<Communicator> mpi_communicator(int& argc, char**& argv) {
  // The calls of a training step come from its communication thread (dist/comm_thread.h), the
  // others from the main thread while that one is idle: one thread at a time.
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided), "init");
  if (provided < MPI_THREAD_SERIALIZED)
    throw Error("MPI: expected a library that supports calls from more than one thread "
                "(MPI_THREAD_SERIALIZED), found level " + std::to_string(provided));
  return std::make_unique<MpiCommunicator>();
}

}  // namespace bcnn
