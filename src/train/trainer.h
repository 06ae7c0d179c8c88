#pragma once
// The training loop behind bcnn-train: data, epochs, validation, metrics, models, checkpoints,
// resume, interruption and divergence handling.
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "train/config.h"

namespace bcnn {

class Communicator;

struct TrainOptions {
  std::string out_dir = "runs/latest";
  std::optional<std::string> resume;     // checkpoint to continue from
  std::optional<std::string> init;       // model whose parameters the run starts from (not with resume)
  std::optional<std::string> teacher;    // model to distill from (train.distill, defaults when absent)
  std::optional<std::int64_t> max_steps; // stop (with a checkpoint) once this many steps are done
  bool quiet = false;                    // no layer table and no progress bar
  bool force = false;                    // replace a run already in out_dir
  bool allow_changed_resume = false;     // resume although settings or data differ (with a warning)
  // Under mpirun: this process is one rank of a data-parallel run, computing one shard of every
  // batch (dist/communicator.h); rank 0 alone writes files and reports.
  Communicator* comm = nullptr;
};

enum class TrainOutcome { finished, stopped_at_max_steps, interrupted };

struct TrainReport {
  TrainOutcome outcome = TrainOutcome::finished;
  std::int64_t steps = 0;
  double best_validation_accuracy = -1;
  int best_epoch = -1;
  double test_accuracy_best = -1;  // of best.h5 on the test split
  double test_accuracy_last = -1;  // of last.h5
  std::string summary;             // what is in out_dir now, e.g. "models in runs/bc: best.h5 (epoch 3), ..."
};

// Runs a training. Throws bcnn::Error on bad input (including an out_dir that already holds a run
// without `force`, and a resume that would not be exact without `allow_changed_resume`); throws
// DivergedError when the loss stops being finite (after which the last good checkpoint is the
// latest file in out_dir). A SIGINT, SIGTERM or SIGHUP (core/interrupt.h) ends it after the
// current step with a checkpoint, or during the final evaluation with the models saved.
TrainReport train(TrainConfig& config, const TrainOptions& options);

class DivergedError : public Error {
 public:
  using Error::Error;
};

}  // namespace bcnn
