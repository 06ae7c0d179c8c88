#include "train/trainer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

#include "core/blas.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/stale_temp_files.h"
#include "core/threads.h"
#include "data/dataset.h"
#include "dist/communicator.h"
#include "dist/job_check.h"
#include "dist/shard_slice.h"
#include "dist/sharded_step.h"
#include "eval/evaluate.h"
#include "io/durable_file.h"
#include "io/model_file.h"
#include "layers/softmax_cross_entropy.h"
#include "plot/training_curves.h"
#include "train/batch_loader.h"
#include "train/init_from_model.h"
#include "train/memory_estimate.h"
#include "train/progress.h"
#include "train/resume_check.h"
#include "train/run_directory.h"
#include "train/teacher.h"

namespace bcnn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool all_finite(const Tensor& t) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t[i])) return false;
  return true;
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

// A fresh run must not silently replace another: refused unless --force (or --resume).
void check_out_dir(const TrainOptions& options) {
  if (options.resume || options.force) return;
  const auto found = existing_run_files(options.out_dir);
  if (found.empty()) return;
  throw Error(options.out_dir + ": already holds a run (" + joined(found, ", ") + "); pass --force to replace it, " +
              "--resume " + (std::filesystem::path(options.out_dir) / "checkpoint.h5").string() +
              " to continue it, or another --out");
}

// The batches an epoch will see must suit the network: with drop_last at least one whole batch,
// without it a last batch that every batchnorm layer can normalize (2 values per channel at least;
// a batchnorm after a dense layer has one value per sample).
void check_last_batch(const TrainConfig& config, int images) {
  const TrainSpec& spec = config.train;
  const std::string sizes = std::to_string(images) + " training images (after " + std::to_string(spec.validation) +
                            " for validation) in batches of " + std::to_string(spec.batch);
  if (spec.drop_last) {
    if (images < spec.batch)
      throw Error(config.origin + ": /train/batch: expected at most the " + std::to_string(images) +
                  " training images with drop_last (else no batch is left), found " + std::to_string(spec.batch));
    return;
  }
  const int last = images % spec.batch;
  if (last > 0 && last < spec.shards)
    throw Error(config.origin + ": /train/shards: " + sizes + " leave a last batch of " + std::to_string(last) +
                " image(s), fewer than the " + std::to_string(spec.shards) +
                " shards (every shard needs one): set \"drop_last\": true in \"train\", or change the batch size or "
                "train.validation");
  if (last != 1) return;
  for (const auto& layer : config.network->layers()) {
    if (layer->type() != "batchnorm") continue;
    const Shape& shape = layer->input_shape();
    if (shape_size(shape) / (shape.empty() ? 1 : shape[0]) > 1) continue;
    throw Error(config.origin + ": /train/batch: " + sizes + " leave a last batch of 1 image, and layer \"" +
                layer->name() + "\" (batchnorm of " + shape_string(shape) +
                ") needs at least 2 values per channel in training: set \"drop_last\": true in \"train\", or change "
                "the batch size or train.validation");
  }
}

// Rank r's contiguous part of a data set (the cut of dist/shard_slice.h).
Dataset rank_part(const Dataset& data, const Communicator& comm) {
  const ShardSlice slice = shard_slice(data.size(), comm.size(), comm.rank());
  std::vector<int> indices(static_cast<std::size_t>(slice.count));
  std::iota(indices.begin(), indices.end(), slice.first);
  return dataset_subset(data, indices);
}

// The ranks' evaluations of their parts as one: loss and accuracy over all images (the sums
// added in rank order). The confusion matrix stays the rank's own.
void sum_over_ranks(EvalResult& result, Communicator& comm) {
  double sums[3] = {result.loss_sum, static_cast<double>(result.correct), static_cast<double>(result.images)};
  comm.sum(std::span<double>(sums, 3));
  result.loss_sum = sums[0];
  result.correct = static_cast<std::int64_t>(sums[1]);
  result.images = static_cast<int>(sums[2]);
  result.mean_loss = result.images ? result.loss_sum / result.images : 0.0;
  result.accuracy = result.images ? static_cast<double>(result.correct) / result.images : 0.0;
}

}  // namespace

TrainReport train(TrainConfig& config, const TrainOptions& options) {
  Network& net = *config.network;
  const TrainSpec& spec = config.train;
  Communicator* comm = options.comm;
  const bool writer = !comm || comm->rank() == 0;  // writes the run's files and reports
  if (comm) {
    // A resumed run's config.json records the shards it ran on; the ranks of this job decide now.
    if (spec.shards > 1 && spec.shards != comm->size() && options.resume)
      spdlog::info("{}: /train/shards: {} replaced by the {} ranks of this MPI job (each rank is one shard)",
                   config.origin, spec.shards, comm->size());
    else if (spec.shards > 1 && spec.shards != comm->size())
      throw Error(config.origin + ": /train/shards: expected 1 or the " + std::to_string(comm->size()) +
                  " ranks of the MPI job (each rank is one shard), found " + std::to_string(spec.shards));
    if (comm->size() > spec.batch)
      throw Error(config.origin + ": /train/batch: expected at least one image per rank (" +
                  std::to_string(comm->size()) + " ranks), found " + std::to_string(spec.batch));
    // The run records its shards: the ranks.
    config.train.shards = comm->size();
    config.resolved["train"]["shards"] = comm->size();
  }
  set_threads(spec.threads);
  if (spec.threads > static_cast<int>(std::thread::hardware_concurrency()))
    spdlog::warn("{} threads on {} cores: the threads will compete for the cores", spec.threads,
                 std::thread::hardware_concurrency());

  // Everything that can be wrong with the input is checked before anything is written.
  if (writer) check_out_dir(options);
  if (options.init && options.resume)
    throw Error("--init " + *options.init + ": expected either --init (a new run from a model's parameters) or " +
                "--resume (the same run continued), found both");
  // A teacher without train.distill distills with the defaults, recorded in the run's configuration.
  if (options.teacher && !config.train.distill) {
    config.train.distill = DistillSpec{};
    config.resolved["train"]["distill"] = config.train.distill->to_json();
  }
  if (spec.distill && !options.teacher)
    throw Error(config.origin + ": /train/distill: expected --teacher MODEL.h5 (the model whose soft targets the " +
                "network learns), found none");
  // What each rank reads for itself. Under MPI a rank that cannot read it does not fail alone: the
  // ranks compare their start (check_same_job) and rank 0 names the rank and its error.
  std::optional<Teacher> teacher;
  Dataset full, test;
  std::string data_fingerprint, startup_error;
  try {
    if (options.teacher) teacher.emplace(*options.teacher, config);
    full = load_dataset(spec.dataset, spec.data_dir, Split::train);
    test = load_dataset(spec.dataset, spec.data_dir, Split::test);
    data_fingerprint = run_data_fingerprint(full, test);
  } catch (const std::exception& e) {
    if (!comm) throw;
    startup_error = e.what();
  }
  if (comm) check_same_job(*comm, config.resolved, data_fingerprint, startup_error);
  if (full.sample_shape() != net.input_shape())
    throw Error(config.origin + ": /input: expected the shape of " +
                spec.dataset + " images " + shape_string(full.sample_shape()) + ", found " +
                shape_string(net.input_shape()));
  if (net.num_classes() != full.num_classes)
    throw Error(config.origin + ": layer \"" + net.layers().back()->name() + "\": expected " + std::to_string(full.num_classes) +
                " outputs (the classes of " + spec.dataset + "), found " + std::to_string(net.num_classes()));
  if (spec.validation >= full.size())
    throw Error(config.origin + ": /train/validation: expected fewer than the " + std::to_string(full.size()) +
                " training images (else no training images remain), found " + std::to_string(spec.validation));
  // Normalization is part of the model: training, validation and test images all get it, once.
  normalize_dataset(full, spec.normalize);
  normalize_dataset(test, spec.normalize);
  TrainValidation split = split_validation(full, spec.validation, spec.seed);
  if (spec.validation == 0)
    spdlog::warn("no validation images (train.validation = 0): best.h5 will be the model of the last epoch");
  full = Dataset();
  const Dataset& train_set = split.train;
  const int N = train_set.size();
  check_last_batch(config, N);
  const int steps_per_epoch = spec.drop_last ? N / spec.batch : (N + spec.batch - 1) / spec.batch;
  const std::int64_t total_steps = static_cast<std::int64_t>(steps_per_epoch) * spec.epochs;

  Optimizer optimizer(spec.optimizer, net.params().size(), net.param_ranges());
  TrainState state;
  nlohmann::json history = nlohmann::json::array();
  std::vector<std::string> optimizer_buffers;
  for (const auto& [name, buffer] : optimizer.state()) optimizer_buffers.push_back(name);
  if (options.resume) {
    const std::string& ck_path = *options.resume;
    LoadedModel ck = load_model(ck_path);
    if (!ck.is_checkpoint)
      throw Error(ck_path + ": expected a checkpoint (kind \"checkpoint\"), found a model without optimizer "
                  "state; checkpoints are the checkpoint.h5 files in a run's output directory");
    if (const auto diff = network_differences(ck.config, config.resolved); !diff.empty())
      throw Error(ck_path + ": expected a checkpoint of the configured network, found one of another network "
                  "(layers or shapes differ: " + joined(diff, "; ") + ")");
    if (ck.optimizer_type != spec.optimizer.type)
      throw Error(ck_path + ": expected optimizer state for \"" + spec.optimizer.type + "\", found \"" +
                  ck.optimizer_type + "\"");
    // Everything else that decides the result: the train settings (threads included: the same
    // seed gives the same bits only with the same thread count) and the data's bytes.
    std::vector<std::string> diff = train_setting_differences(ck.config, config.resolved);
    const nlohmann::json stored_data = ck.training.is_object() && ck.training.contains("data_fingerprint")
                                           ? ck.training.at("data_fingerprint")
                                           : nlohmann::json();
    if (stored_data.is_null())
      spdlog::warn("{}: the checkpoint records no fingerprint of its data (written by an older bcnn): the data in {} "
                   "cannot be compared with it", ck_path, spec.data_dir);
    else if (stored_data != data_fingerprint)
      diff.push_back("the data in " + spec.data_dir + ": " + stored_data.dump() + " in the checkpoint, \"" +
                     data_fingerprint + "\" now (the files differ)");
    // Another shard layout (ranks, shards, threads) continues the same run up to rounding.
    const int checkpoint_ranks =
        ck.training.is_object() && ck.training.contains("ranks") && ck.training.at("ranks").is_number_integer()
            ? ck.training.at("ranks").get<int>()
            : 1;
    const nlohmann::json checkpoint_train =
        ck.config.is_object() ? ck.config.value("train", nlohmann::json()) : nlohmann::json();
    const ShardLayout then = shard_layout(checkpoint_train, checkpoint_ranks);
    const ShardLayout now = shard_layout(config.resolved["train"], comm ? comm->size() : 1);
    if (then != now)
      spdlog::warn("{}: resuming on {} ({} in the checkpoint): the same batches, data order, augmentation, dropout "
                   "and schedule; only the sums over shards and threads round differently",
                   ck_path, now.text(), then.text());
    if (!diff.empty() && !options.allow_changed_resume)
      throw Error(ck_path + ": --resume would not continue the run exactly; it differs from the checkpoint in " +
                  joined(diff, "; ") + ". Resume with the checkpoint's settings (its config is stored in it; see " +
                  "config.json of its run), or pass --allow-changed-resume to continue anyway");
    if (!diff.empty())
      spdlog::warn("{}: resuming with changes (--allow-changed-resume), so the result is not that of an "
                   "uninterrupted run: {}", ck_path, joined(diff, "; "));
    check_checkpoint_state(ck, ck_path, spec, steps_per_epoch, optimizer_buffers, diff.empty());
    std::copy(ck.network->params().begin(), ck.network->params().end(), net.params().begin());
    for (auto& [name, buffer] : optimizer.state()) {
      const auto& stored = ck.optimizer_state.at(name);
      std::copy(stored.begin(), stored.end(), buffer->begin());
    }
    state = ck.state;
    optimizer.set_steps(state.step);
    spdlog::info("resuming from {}: epoch {}, batch {} of {}, step {}", ck_path, std::min(state.epoch + 1, spec.epochs),
                 state.batch_in_epoch, steps_per_epoch, state.step);
    if (ck.training.is_object() && ck.training.contains("history")) history = ck.training["history"];
  } else if (options.init) {
    init_from_model(net, config.origin, load_model(*options.init), *options.init);
    spdlog::info("parameters from {}", *options.init);
  } else {
    net.init_params(spec.seed);
  }

  // The output directory is made at the first save, so a run that fails before it (bad input,
  // divergence in the first epoch) leaves nothing behind.
  std::filesystem::path out(options.out_dir);
  const std::string metrics_path = (out / "metrics.jsonl").string();
  const std::string checkpoint_path = (out / "checkpoint.h5").string();
  bool out_ready = false;
  const std::string curves_title =
      std::filesystem::path(config.origin).filename().string() + " trained into " + options.out_dir;
  // The epochs the checkpoint had completed: the output directory is prepared lazily, at the first
  // save, when state.epoch may already count the epoch this run just finished.
  const int resumed_epochs = state.epoch;
  const std::filesystem::path resume_dir =
      options.resume ? std::filesystem::path(*options.resume).parent_path() : std::filesystem::path();
  auto prepare_out_dir = [&]() {
    if (out_ready) return;
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) throw Error(options.out_dir + ": cannot create the output directory (" + ec.message() + ")");
    for (const auto& name : remove_stale_temp_files(options.out_dir))
      spdlog::info("{}: removed {}, left by a process that no longer runs", options.out_dir, name);
    if (options.resume) {
      // Exactly one row per epoch the checkpoint has done; a run resumed into another directory
      // starts from the rows of the checkpoint's own.
      std::string source = metrics_path;
      if (!std::filesystem::exists(metrics_path) && std::filesystem::exists(resume_dir / "metrics.jsonl"))
        source = (resume_dir / "metrics.jsonl").string();
      truncate_metrics(source, metrics_path, resumed_epochs);
    } else {
      // --force: the old run's files go, so that nothing of it is mistaken for this run's.
      for (const auto& name : run_file_names()) std::filesystem::remove(out / name, ec);
      write_file_atomically(metrics_path, "");
    }
    write_file_atomically((out / "config.json").string(), config.resolved.dump(2) + "\n");
    // A run resumed into another directory starts from the best model it has seen so far.
    if (options.resume) {
      auto source_best = resume_dir / "best.h5";
      std::error_code exists_ec;
      if (!std::filesystem::exists(out / "best.h5", exists_ec) && std::filesystem::exists(source_best, exists_ec))
        copy_file_atomically(source_best.string(), (out / "best.h5").string());
    }
    out_ready = true;
  };

  if (!options.quiet) {
    std::fprintf(stderr, "%s", net.layer_table().c_str());
    std::string preparation;
    if (spec.normalize.enabled()) preparation += ", normalized per channel";
    if (spec.augment.crop_padding > 0)
      preparation += ", random crops (padding " + std::to_string(spec.augment.crop_padding) + ")";
    if (spec.augment.flip) preparation += ", random flips";
    std::fprintf(stderr,
                 "data: %s, %d training / %d validation / %d test images%s; %d steps per epoch, %d thread%s%s%s, "
                 "OpenBLAS %s kernels\n",
                 spec.dataset.c_str(), N, split.validation.size(), test.size(), preparation.c_str(), steps_per_epoch,
                 spec.threads, spec.threads == 1 ? "" : "s",
                 comm ? (" per rank on " + std::to_string(comm->size()) + " MPI ranks").c_str() : "",
                 adaptive_threads() && spec.threads > 1 ? " (fewer while other processes load the cores)" : "",
                 blas_kernels().c_str());
    if (const std::string advice = blas_kernel_advice(); !advice.empty()) spdlog::info("{}", advice);
  }

  auto training_summary = [&]() {
    nlohmann::json summary{{"dataset", spec.dataset},
                          {"epochs_done", state.epoch},
                          {"steps", state.step},
                          {"seed", spec.seed},
                          {"threads", spec.threads},
                          {"ranks", comm ? comm->size() : 1},
                          {"data_fingerprint", data_fingerprint},
                          {"best_validation_accuracy", state.best_validation_accuracy},
                          {"best_epoch", state.best_epoch},
                          {"history", history}};
    if (options.init) summary["init"] = *options.init;
    if (teacher) summary["teacher"] = teacher->path();
    return summary;
  };
  // Under MPI rank 0 may be ended inside a collective when another rank dies (the launcher sends
  // SIGTERM, then SIGKILL a second later), before it reaches a step boundary: its signal handler
  // then says at once where the run can continue from.
  auto set_job_end_notice = [&](const std::string& checkpoint, std::int64_t step) {
    if (!comm || !writer) return;
    const std::string where = checkpoint.empty() ? std::string("no checkpoint was written yet")
                                                 : "the last complete checkpoint is " + checkpoint + " (step " +
                                                       std::to_string(step) + "): continue with --resume " + checkpoint;
    set_interrupt_notice("bcnn-train",
                         "the MPI job is ending (a rank has failed, or the job was cancelled); " + where + "\n");
  };
  set_job_end_notice(options.resume ? *options.resume : std::string(), state.step);
  auto save_checkpoint = [&]() {
    if (!writer) return;
    prepare_out_dir();
    nlohmann::json summary = training_summary();
    save_model(checkpoint_path, {&net, config.resolved, summary, nullptr, &optimizer, &state});
    set_job_end_notice(checkpoint_path, state.step);
  };

  // train.shards: the batch split over replicas on threads of their own (dist/sharded_step.h),
  // made once the parameters are set.
  std::optional<ShardedStep> sharded;
  if (comm)
    sharded.emplace(net, *comm);
  else if (spec.shards > 1)
    sharded.emplace(net, config.resolved, spec.shards, std::max(1, spec.threads / spec.shards));

  Tensor grad_logits;
  TrainReport report;
  // The next batch is gathered and augmented on the loader's thread while this one trains.
  // Under MPI a rank gathers and augments only its shard of each batch.
  BatchLoader loader(train_set, spec.batch, spec.augment, spec.seed, /*prefetch=*/true,
                     comm ? BatchPart{comm->size(), comm->rank()} : BatchPart{});
  // Under MPI each rank evaluates its slice of the validation images; the sums are added in rank order.
  const Dataset validation_part = comm ? rank_part(split.validation, *comm) : Dataset();
  const Dataset& my_validation = comm ? validation_part : split.validation;
  Tensor teacher_logits;
  const int calibration_batch = evaluation_batch;
  const int eval_batch = evaluation_batch;
  const std::int64_t steps_at_start = state.step;

  while (state.epoch < spec.epochs) {
    const int epoch = state.epoch;
    Rng shuffle_rng(spec.seed, Stream::shuffle, static_cast<std::uint64_t>(epoch));
    const int first_batch = state.batch_in_epoch;
    loader.start_epoch(epoch, random_permutation(N, shuffle_rng), first_batch);
    auto epoch_start = Clock::now();
    ProgressBar bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(spec.epochs), steps_per_epoch);
    bar.set_later(static_cast<long>(spec.epochs - epoch - 1) * steps_per_epoch);

    for (int b = first_batch; b < steps_per_epoch; ++b) {
      // Every rank stops at the same step: a signal that reached one rank reaches all of them here.
      bool interrupted = interrupt_requested();
      if (comm) {
        double flag = interrupted ? 1.0 : 0.0;
        comm->sum(std::span<double>(&flag, 1));
        interrupted = flag > 0;
      }
      if (interrupted || (options.max_steps && state.step >= *options.max_steps)) {
        bar.finish();
        save_checkpoint();
        report.outcome = interrupted ? TrainOutcome::interrupted : TrainOutcome::stopped_at_max_steps;
        report.steps = state.step;
        report.summary = "checkpoint saved";
        return report;
      }
      const Batch& batch = loader.next();
      const Tensor& batch_images = batch.images;
      const std::vector<std::int32_t>& batch_labels = batch.labels;
      const int count = batch.total;
      const double lr = learning_rate(spec.schedule, spec.optimizer.lr, state.step, steps_per_epoch, total_steps);
      ForwardContext ctx{true, spec.seed, static_cast<std::uint64_t>(state.step)};
      LossResult loss;
      if (sharded) {
        // The teacher's logits of each shard's rows, computed as the shard computes (its rows, its
        // threads); every shard's loss over its rows of them.
        if (teacher)
          sharded->map_local_shards(
              batch_images, count, [&](const Tensor& rows) -> const Tensor& { return teacher->logits(rows); },
              teacher_logits);
        const int local_first = batch.first;
        auto shard_loss = [&](const Tensor& logits, std::span<const std::int32_t> labels, int first, Tensor* grad,
                              int mean_over) {
          if (!teacher) return softmax_cross_entropy(logits, labels, grad, mean_over);
          Tensor rows;
          copy_rows(teacher_logits, {first - local_first, logits.batch()}, rows);
          return distillation_loss(logits, rows, labels, *spec.distill, grad, mean_over);
        };
        const StepTotals totals = sharded->run(batch_images, batch_labels, count, ctx, shard_loss);
        loss.loss_sum = totals.loss_sum;
        loss.correct = static_cast<int>(totals.correct);
      } else {
        const Tensor& logits = net.forward(batch_images, ctx);
        loss = teacher ? distillation_loss(logits, teacher->logits(batch_images), batch_labels, *spec.distill,
                                           &grad_logits)
                       : softmax_cross_entropy(logits, batch_labels, &grad_logits);
      }
      if (!std::isfinite(loss.loss_sum)) {
        bar.finish();
        std::string where = "the loss itself";
        for (int s = 0; s < (sharded ? sharded->local_shards() : 1) && where == "the loss itself"; ++s) {
          const Network& shard_net = sharded ? sharded->replica(s) : net;
          for (std::size_t i = 0; i < shard_net.layers().size(); ++i)
            if (!all_finite(shard_net.output(static_cast<int>(i)))) {
              where = "the output of layer \"" + shard_net.layers()[i]->name() + "\" (" +
                      std::string(shard_net.layers()[i]->type()) + ")";
              break;
            }
        }
        char lr_text[32];
        std::snprintf(lr_text, sizeof lr_text, "%g", lr);
        std::error_code exists_ec;
        std::string kept = std::filesystem::exists(checkpoint_path, exists_ec)
                               ? "the last good checkpoint is " + checkpoint_path
                               : std::string("no checkpoint was written yet");
        throw DivergedError("training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                            std::to_string(state.step + 1) + ": the loss is not finite; first non-finite values in " +
                            where + "; learning rate " + lr_text + ". Nothing of this epoch was saved; " + kept +
                            ". Lower the learning rate (train.optimizer.lr or --lr).");
      }
      if (!sharded) net.backward(grad_logits);
      optimizer.step(net.params(), net.grads(), lr);
      if (sharded) sharded->copy_params();
      ++state.step;
      state.batch_in_epoch = b + 1;
      state.epoch_loss_sum += loss.loss_sum;
      state.epoch_correct += loss.correct;
      state.epoch_seen += count;
      if (!options.quiet) {
        char metrics[96];
        std::snprintf(metrics, sizeof metrics, "loss %.4f acc %.2f%%", state.epoch_loss_sum / state.epoch_seen,
                      100.0 * state.epoch_correct / state.epoch_seen);
        double done_images = static_cast<double>(b + 1 - first_batch) * spec.batch;
        bar.update(b + 1, metrics, done_images / std::max(1e-9, seconds_since(epoch_start)));
      }
    }
    bar.finish();
    const double train_seconds = seconds_since(epoch_start);
    const ShardedStep::CommunicationTime communication =
        comm ? sharded->take_communication_time() : ShardedStep::CommunicationTime{};
    const double images_per_s = static_cast<double>(state.epoch_seen) / std::max(1e-9, train_seconds);

    EvalResult val = evaluate(net, my_validation, eval_batch);
    if (comm) sum_over_ranks(val, *comm);
    const double train_loss = state.epoch_loss_sum / std::max<std::int64_t>(1, state.epoch_seen);
    const double train_acc = static_cast<double>(state.epoch_correct) / std::max<std::int64_t>(1, state.epoch_seen);
    const double lr_now = learning_rate(spec.schedule, spec.optimizer.lr, state.step - 1, steps_per_epoch, total_steps);
    const bool best = split.validation.size() > 0 ? val.accuracy > state.best_validation_accuracy : true;
    state.epoch = epoch + 1;
    state.batch_in_epoch = 0;
    state.epoch_loss_sum = 0;
    state.epoch_correct = 0;
    state.epoch_seen = 0;
    if (best) {
      state.best_validation_accuracy = val.accuracy;
      state.best_epoch = state.epoch;
    }
    nlohmann::json row = {{"epoch", state.epoch},         {"step", state.step},
                          {"lr", lr_now},                 {"train_loss", train_loss},
                          {"train_accuracy", train_acc},  {"val_loss", val.mean_loss},
                          {"val_accuracy", val.accuracy}, {"seconds", train_seconds},
                          {"images_per_s", images_per_s}};
    if (comm) {
      row["communication_seconds"] = communication.total;
      row["communication_wait_seconds"] = communication.waited;
    }
    history.push_back({{"epoch", state.epoch}, {"train_loss", train_loss}, {"train_accuracy", train_acc},
                       {"val_loss", val.mean_loss}, {"val_accuracy", val.accuracy}});
    if (!writer) continue;  // the other ranks hold the same state and go on to the next epoch
    prepare_out_dir();
    append_line_durably(metrics_path, row.dump());
    // The picture of every row so far (a resumed run's earlier epochs included), replaced whole.
    write_file_atomically((out / "curves.svg").string(),
                          plot::training_curves_svg({curves_title, read_metrics(metrics_path)}));
    std::fprintf(stderr,
                 "epoch %d/%d  train loss %.4f acc %.2f%%  val loss %.4f acc %.2f%%  lr %.2e  %.1fs  %.0f img/s%s\n",
                 state.epoch, spec.epochs, train_loss, 100 * train_acc, val.mean_loss, 100 * val.accuracy, lr_now,
                 train_seconds, images_per_s, best ? "  *best" : "");
    if (comm)
      std::fprintf(stderr, "  %d ranks: %.1fs of communication on rank 0, of which the steps waited %.1fs (%.0f%% of "
                           "the epoch)\n",
                   comm->size(), communication.total, communication.waited,
                   100 * communication.waited / std::max(1e-9, train_seconds));

    Calibration cal = calibrate(net, train_set, spec.calibration_images, calibration_batch);
    nlohmann::json summary = training_summary();
    save_model((out / "last.h5").string(), {&net, config.resolved, summary, &cal});
    if (best) save_model((out / "best.h5").string(), {&net, config.resolved, summary, &cal});
    save_checkpoint();
  }

  if (!writer) {
    report.steps = state.step;
    report.best_validation_accuracy = state.best_validation_accuracy;
    report.best_epoch = state.best_epoch;
    report.summary = "rank " + std::to_string(comm->rank()) + " done";
    return report;
  }

  // A resumed run that had already finished trains nothing here: its last model is the
  // checkpoint's parameters, written now when this directory lacks it.
  if (state.step == steps_at_start && !std::filesystem::exists(out / "last.h5")) {
    prepare_out_dir();
    Calibration cal = calibrate(net, train_set, spec.calibration_images, calibration_batch);
    save_model((out / "last.h5").string(), {&net, config.resolved, training_summary(), &cal});
    if (state.best_epoch == state.epoch && !std::filesystem::exists(out / "best.h5"))
      save_model((out / "best.h5").string(), {&net, config.resolved, training_summary(), &cal});
  }

  // Test accuracy of both saved models, recorded in their training summaries. A signal here ends
  // the run with the models as they are (complete, without the test figures).
  std::vector<std::string> evaluated, present;
  bool interrupted = false;
  for (const char* which : {"best", "last"}) {
    const std::string path = (out / (std::string(which) + ".h5")).string();
    if (!std::filesystem::exists(path)) continue;
    present.push_back(std::string(which) + ".h5");
    if (interrupt_requested()) {
      interrupted = true;
      continue;
    }
    LoadedModel m = load_model(path);
    EvalResult r = evaluate(*m.network, test, eval_batch);
    if (interrupt_requested()) {
      interrupted = true;
      continue;
    }
    m.training["test_accuracy"] = r.accuracy;
    m.training["test_loss"] = r.mean_loss;
    save_model(path, {m.network.get(), m.config, m.training, &m.calibration});
    evaluated.push_back(std::string(which) + ".h5");
    (std::string(which) == "best" ? report.test_accuracy_best : report.test_accuracy_last) = r.accuracy;
    std::fprintf(stderr, "test accuracy of %s: %.2f%% (loss %.4f, %d images)\n", path.c_str(), 100 * r.accuracy,
                 r.mean_loss, r.images);
  }
  report.steps = state.step;
  report.best_validation_accuracy = state.best_validation_accuracy;
  report.best_epoch = state.best_epoch;
  report.summary = "models in " + options.out_dir + ": " + (present.empty() ? "none" : joined(present, ", "));
  if (std::find(present.begin(), present.end(), "best.h5") == present.end() && state.best_epoch > 0)
    report.summary += "; no best.h5: the best epoch (" + std::to_string(state.best_epoch) +
                      ") was trained before the checkpoint and " + (resume_dir / "best.h5").string() +
                      " does not exist";
  if (interrupted) {
    report.outcome = TrainOutcome::interrupted;
    report.summary += "; the final evaluation was interrupted, test accuracy recorded for " +
                      (evaluated.empty() ? std::string("none") : joined(evaluated, ", "));
  }
  return report;
}

}  // namespace bcnn
