#pragma once
// Training batches: gathers the samples of a batch in the epoch's shuffled order and augments
// them. BatchLoader can prepare the next batch on its own thread while the caller trains on the
// current one (double buffering); a batch is a pure function of (data, order, batch number, seed,
// epoch), so the prefetching loader hands out exactly the batches of the inline one.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/tensor.h"
#include "data/augment.h"
#include "data/dataset.h"

namespace bcnn {

struct Batch {
  Tensor images;  // the rows [first, first + images.batch()) of the batch
  std::vector<std::int32_t> labels;
  int number = -1;  // position in the epoch
  int first = 0;    // the batch's row of images[0]
  int total = 0;    // the samples in the whole batch
};

// Which shard of every batch a loader gathers (an MPI rank's: dist/shard_slice.h); 1 part: all.
struct BatchPart {
  int parts = 1;
  int part = 0;
};

// Fills `out` with batch `number` of an epoch: the samples order[number * batch_size ...] (fewer
// in the last batch), each augmented with augment_choice(augment, seed, epoch, sample index); of
// those only shard `part.part` of `part.parts` (shard_slice), gathered and augmented alone.
void make_batch(const Dataset& data, const std::vector<int>& order, int number, int batch_size,
                const AugmentSpec& augment, std::uint64_t seed, int epoch, Batch& out, BatchPart part = {});

class BatchLoader {
 public:
  // `data` must outlive the loader and stay unchanged while it runs. With `prefetch` a worker
  // thread prepares batch b + 1 while the caller holds batch b.
  BatchLoader(const Dataset& data, int batch_size, const AugmentSpec& augment, std::uint64_t seed, bool prefetch,
              BatchPart part = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int batches_per_epoch() const { return (data_.size() + batch_size_ - 1) / batch_size_; }

  // Starts epoch `epoch` (0-based) with the sample order `order` (a permutation of the data's
  // indices) at batch `first_batch` (a resumed run starts inside an epoch).
  void start_epoch(int epoch, std::vector<int> order, int first_batch);

  // The next batch of the epoch, valid until the next call to next() or start_epoch(). Throws
  // bcnn::Error when the epoch has no batch left; rethrows what preparing the batch threw.
  const Batch& next();

 private:
  int batches_in_order() const { return (static_cast<int>(order_.size()) + batch_size_ - 1) / batch_size_; }
  void worker_loop();
  void request(int number, int slot);  // hands batch `number` to the worker (lock not held)
  void wait_idle(std::unique_lock<std::mutex>& lock);

  const Dataset& data_;
  const int batch_size_;
  const AugmentSpec augment_;
  const std::uint64_t seed_;
  const bool prefetch_;
  const BatchPart part_;

  std::vector<int> order_;
  int epoch_ = 0;
  int next_number_ = 0;  // the batch the next call to next() returns
  Batch slots_[2];
  int current_slot_ = 0;

  // Worker hand-over, guarded by mutex_: a job is (job_number_, job_slot_); job_pending_ is set by
  // request() and cleared by the worker when the slot is filled.
  std::mutex mutex_;
  std::condition_variable wake_worker_, job_done_;
  bool job_pending_ = false;
  bool stopping_ = false;
  int job_number_ = -1;
  int job_slot_ = 0;
  std::exception_ptr job_error_;
  std::thread worker_;
};

}  // namespace bcnn
