// bcnn-train: trains a network described by a JSON file. See README.md and docs/.
#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/tool_main.h"
#include "core/version.h"
#include "dist/communicator.h"
#include "dist/launcher.h"
#include "train/trainer.h"
#ifdef BCNN_WITH_MPI
#include "dist/mpi_communicator.h"
#endif

int main(int argc, char** argv) {
  CLI::App app{"Train a dense or block-circulant network described by a JSON file", "bcnn-train"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::string config_path;
  bcnn::TrainOverrides overrides;
  bcnn::TrainOptions options;
  app.add_option("config", config_path, "Network description (JSON)")->required();
  app.add_option("--data", overrides.data_dir, "Dataset directory (overrides train.data)");
  app.add_option("--epochs", overrides.epochs, "Epochs (overrides train.epochs)")->check(CLI::Range(1, 100000));
  app.add_option("--batch", overrides.batch, "Batch size (overrides train.batch)")->check(CLI::Range(1, 65536));
  app.add_option("--threads", overrides.threads, "Threads (overrides train.threads; 0 = the cores this process may use; under mpirun: per rank, the machine's cores shared by its ranks)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--seed", overrides.seed, "Seed for initialization, shuffling, dropout (overrides train.seed)")
      ->check(CLI::Range(std::int64_t{0}, bcnn::max_seed));
  app.add_option("--lr", overrides.lr, "Base learning rate (overrides train.optimizer.lr)")
      ->check(CLI::Range(1e-9, 10.0));
  app.add_option("--validation", overrides.validation, "Training images held out for validation")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--out", options.out_dir, "Output directory: best.h5, last.h5, checkpoint.h5, metrics.jsonl")
      ->capture_default_str();
  auto* resume = app.add_option("--resume", options.resume, "Continue exactly from a checkpoint.h5");
  app.add_option("--init", options.init,
                 "Start from this model's parameters (same layer names, types and shapes), e.g. bcnn-compress's output")
      ->excludes(resume);
  app.add_option("--teacher", options.teacher,
                 "Distill from this trained model's logits (train.distill: temperature, alpha; defaults 4 and 0.7)");
  app.add_flag("--allow-changed-resume", options.allow_changed_resume,
               "With --resume: continue even though settings or data differ from the checkpoint's (warns)");
  app.add_flag("--force", options.force, "Replace the run already in --out (its models, checkpoint and metrics)");
  app.add_option("--max-steps", options.max_steps, "Stop after this many optimizer steps in all, saving a checkpoint")
      ->check(CLI::PositiveNumber);
  app.add_flag("--quiet", options.quiet, "No layer table, no progress bar");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // Under mpirun every process is one rank of a data-parallel run (docs/distributed.md); rank 0
  // reports, the others are quiet.
  std::unique_ptr<bcnn::Communicator> comm;
  std::string tool = "bcnn-train";
  if (bcnn::launched_by_mpi()) {
#ifdef BCNN_WITH_MPI
    comm = bcnn::mpi_communicator(argc, argv);
    options.comm = comm.get();
    if (comm->rank() != 0) {
      options.quiet = true;
      tool = "bcnn-train (rank " + std::to_string(comm->rank()) + ")";
    }
#else
    bcnn::print_tool_error("bcnn-train", "started by an MPI launcher, but this bcnn-train was built without MPI: "
                                         "apt-get install openmpi-bin libopenmpi-dev and build again");
    return 1;
#endif
  }
  const bool rank_zero = !comm || comm->rank() == 0;

  bcnn::init_logging(options.quiet);
  if (!rank_zero) spdlog::set_level(spdlog::level::err);
  // Ctrl-C, SIGTERM, SIGHUP: stop after the current step with a checkpoint.
  bcnn::install_interrupt_handler();
  const int status = bcnn::run_tool_main(tool, "try a smaller --batch or smaller layers", [&]() -> int {
    try {
      bcnn::TrainConfig config = bcnn::load_train_config(config_path, overrides);
      bcnn::TrainReport report = bcnn::train(config, options);
      if (!rank_zero) return report.outcome == bcnn::TrainOutcome::interrupted ? bcnn::interrupt_exit_status() : 0;
      switch (report.outcome) {
        case bcnn::TrainOutcome::interrupted:
          std::fprintf(stderr, "interrupted (%s) after step %lld: %s; continue with --resume %s/checkpoint.h5\n",
                       bcnn::interrupt_signal_name(), static_cast<long long>(report.steps), report.summary.c_str(),
                       options.out_dir.c_str());
          return bcnn::interrupt_exit_status();
        case bcnn::TrainOutcome::stopped_at_max_steps:
          std::fprintf(stderr, "stopped after step %lld (--max-steps): checkpoint saved to %s/checkpoint.h5\n",
                       static_cast<long long>(report.steps), options.out_dir.c_str());
          return 0;
        case bcnn::TrainOutcome::finished:
          std::fprintf(stderr, "best validation accuracy %.2f%% at epoch %d; %s\n",
                       100 * report.best_validation_accuracy, report.best_epoch, report.summary.c_str());
          return 0;
      }
      return 0;
    } catch (const bcnn::DivergedError& e) {
      if (!rank_zero) {  // every rank diverges at the same step: rank 0 says it
        std::this_thread::sleep_for(std::chrono::seconds(3));
        throw;
      }
      bcnn::print_tool_error("bcnn-train", e.what());
      return 3;
    } catch (...) {
      // Most errors happen on every rank alike (a bad configuration): rank 0 reports them and its
      // abort ends the others. An error of this rank alone is reported after a pause.
      if (!rank_zero) std::this_thread::sleep_for(std::chrono::seconds(3));
      throw;
    }
  });
  // A failed rank ends every rank of the job (none waits for it forever).
  if (comm && status != 0 && status != bcnn::interrupt_exit_status()) comm->abort(status);
  return status;
}
