#pragma once
// What makes --resume exact: the checkpoint's state must be a position this run can reach, and
// everything that decides the result (network, train settings, thread count, the data's bytes)
// must equal the checkpoint's. A difference is refused unless the user allows it explicitly.
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "io/model_file.h"
#include "train/config.h"

namespace bcnn {

// A 64-bit hash of a dataset's images (float bits, before normalization) and labels, as 16 hex
// digits: equal data gives an equal fingerprint on every machine.
std::string dataset_fingerprint(const Dataset& data);

// The same 64-bit hash of any bytes, as 16 hex digits (a file's: dist/job_check.h).
std::string bytes_fingerprint(const void* data, std::size_t bytes);

// The training data and test data in one fingerprint: "train:<hex> test:<hex>".
std::string run_data_fingerprint(const Dataset& train_and_validation, const Dataset& test);

// Differences between the checkpoint's resolved configuration and the current one, as
// "<JSON pointer>: <checkpoint value> in the checkpoint, <current value> now". Only the "train"
// object counts ("data", a path, is replaced by the data fingerprint; "threads" and "shards" by
// the shard layout below); "description" is ignored.
std::vector<std::string> train_setting_differences(const nlohmann::json& checkpoint_config,
                                                   const nlohmann::json& current_config);

// How a run computes a step: its shards (the ranks of an MPI job, or train.shards in one
// process) and the threads of each. The bits of a run depend on it and on nothing else of the
// machine, so equal layouts resume exactly (2 ranks of 1 thread = 1 process of 2 shards and 2
// threads). A resume may change it: the global batch, the data order, augmentation, dropout and
// the schedule stay the same, and only the sums over shards and threads round differently from
// the uninterrupted run's.
struct ShardLayout {
  int shards = 1;
  int threads_per_shard = 1;
  bool operator==(const ShardLayout&) const = default;
  std::string text() const;  // "2 shards of 1 thread"
};
// The layout of a run whose resolved "train" object is `train_settings` on `ranks` MPI ranks (1:
// no MPI).
ShardLayout shard_layout(const nlohmann::json& train_settings, int ranks);

// Differences in the network description (layers, shapes, hyperparameters): a checkpoint's
// parameters belong to its network, so these are always refused.
std::vector<std::string> network_differences(const nlohmann::json& checkpoint_config,
                                             const nlohmann::json& current_config);

// Throws a bcnn::Error naming `path` and the field when the checkpoint's training position,
// optimizer state or history is not one a run of these settings can be at: epoch in
// [0, epochs], batch_in_epoch in [0, steps_per_epoch), step consistent with both (when
// `settings_unchanged`), running sums within the epoch's batches, best epoch and accuracy in
// range, optimizer state with exactly the optimizer's buffers, finite (second moment >= 0), and
// the optimizer's step count equal to the position's.
void check_checkpoint_state(const LoadedModel& checkpoint, const std::string& path, const TrainSpec& spec,
                            int steps_per_epoch, const std::vector<std::string>& optimizer_buffers,
                            bool settings_unchanged);

}  // namespace bcnn
