#include "train/batch_loader.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "dist/shard_slice.h"

namespace bcnn {

void make_batch(const Dataset& data, const std::vector<int>& order, int number, int batch_size,
                const AugmentSpec& augment, std::uint64_t seed, int epoch, Batch& out, BatchPart part) {
  const int total = std::min(batch_size, static_cast<int>(order.size()) - number * batch_size);
  const ShardSlice slice = shard_slice(total, part.parts, part.part);
  const int begin = number * batch_size + slice.first;
  const int count = slice.count;
  const Shape shape = data.sample_shape();
  const std::size_t per = static_cast<std::size_t>(data.images.sample_size());
  out.images.resize(count, shape);
  out.labels.resize(static_cast<std::size_t>(count));
  out.number = number;
  out.first = slice.first;
  out.total = total;
  for (int i = 0; i < count; ++i) {
    const int index = order[static_cast<std::size_t>(begin + i)];
    const float* source = data.images.sample(index);
    if (augment.enabled()) {
      AugmentChoice choice = augment_choice(augment, seed, epoch, index);
      augment_image(source, out.images.sample(i), shape[0], shape[1], shape[2], augment.crop_padding, choice);
    } else {
      std::copy(source, source + per, out.images.sample(i));
    }
    out.labels[static_cast<std::size_t>(i)] = data.labels[static_cast<std::size_t>(index)];
  }
}

BatchLoader::BatchLoader(const Dataset& data, int batch_size, const AugmentSpec& augment, std::uint64_t seed,
                         bool prefetch, BatchPart part)
    : data_(data), batch_size_(batch_size), augment_(augment), seed_(seed), prefetch_(prefetch), part_(part) {
  if (part_.parts < 1 || part_.part < 0 || part_.part >= part_.parts)
    throw Error("internal error: batch part " + std::to_string(part_.part) + " of " + std::to_string(part_.parts));
  if (augment_.enabled() && data_.sample_shape().size() != 3)
    throw Error(data_.description + ": random crops and flips need images of shape (C, H, W), found " +
                shape_string(data_.sample_shape()));
  if (prefetch_) worker_ = std::thread(&BatchLoader::worker_loop, this);
}

BatchLoader::~BatchLoader() {
  if (!prefetch_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_worker_.notify_one();
  worker_.join();
}

void BatchLoader::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_worker_.wait(lock, [&] { return stopping_ || job_pending_; });
    if (stopping_) return;
    const int number = job_number_;
    Batch& slot = slots_[job_slot_];
    // order_, epoch_ and the slot are not touched by the caller while a job is pending.
    lock.unlock();
    std::exception_ptr error;
    try {
      make_batch(data_, order_, number, batch_size_, augment_, seed_, epoch_, slot, part_);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    job_error_ = error;
    job_number_ = -1;
    job_pending_ = false;
    job_done_.notify_all();
  }
}

void BatchLoader::request(int number, int slot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_number_ = number;
    job_slot_ = slot;
    job_pending_ = true;
  }
  wake_worker_.notify_one();
}

void BatchLoader::wait_idle(std::unique_lock<std::mutex>& lock) {
  job_done_.wait(lock, [&] { return !job_pending_; });
}

void BatchLoader::start_epoch(int epoch, std::vector<int> order, int first_batch) {
  if (prefetch_) {
    std::unique_lock<std::mutex> lock(mutex_);
    wait_idle(lock);  // a batch prefetched for the previous epoch may still be in the making
    job_error_ = nullptr;
  }
  order_ = std::move(order);
  epoch_ = epoch;
  next_number_ = first_batch;
  current_slot_ = 1;
  if (prefetch_ && next_number_ < batches_in_order()) request(next_number_, 0);
}

const Batch& BatchLoader::next() {
  const int batches = batches_in_order();
  if (next_number_ >= batches)
    throw Error("internal error: batch " + std::to_string(next_number_) + " requested from an epoch of " +
                std::to_string(batches) + " batches");
  const int number = next_number_++;
  if (!prefetch_) {
    make_batch(data_, order_, number, batch_size_, augment_, seed_, epoch_, slots_[0], part_);
    return slots_[0];
  }
  // The batch was requested into the slot the caller does not hold.
  const int slot = 1 - current_slot_;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    wait_idle(lock);
    if (job_error_) {
      std::exception_ptr error = job_error_;
      job_error_ = nullptr;
      std::rethrow_exception(error);
    }
  }
  current_slot_ = slot;
  // The caller is done with the other slot: prepare the following batch there.
  if (next_number_ < batches) request(next_number_, 1 - slot);
  return slots_[slot];
}

}  // namespace bcnn
