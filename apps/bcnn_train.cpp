// bcnn-train: trains a network described by a JSON file. See README.md and docs/.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/tool_main.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  CLI::App app{"Train a dense or block-circulant network described by a JSON file", "bcnn-train"};
  std::string config_path;
  bcnn::TrainOverrides overrides;
  bcnn::TrainOptions options;
  app.add_option("config", config_path, "Network description (JSON)")->required();
  app.add_option("--data", overrides.data_dir, "Dataset directory (overrides train.data)");
  app.add_option("--epochs", overrides.epochs, "Epochs (overrides train.epochs)")->check(CLI::Range(1, 100000));
  app.add_option("--batch", overrides.batch, "Batch size (overrides train.batch)")->check(CLI::Range(1, 65536));
  app.add_option("--threads", overrides.threads, "Threads (overrides train.threads; 0 = all cores)")
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

  bcnn::init_logging(options.quiet);
  // Ctrl-C, SIGTERM, SIGHUP: stop after the current step with a checkpoint.
  bcnn::install_interrupt_handler();
  return bcnn::run_tool_main("bcnn-train", "try a smaller --batch or smaller layers", [&]() -> int {
    try {
      bcnn::TrainConfig config = bcnn::load_train_config(config_path, overrides);
      bcnn::TrainReport report = bcnn::train(config, options);
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
      bcnn::print_tool_error("bcnn-train", e.what());
      return 3;
    }
  });
}
