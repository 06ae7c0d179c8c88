#pragma once
// Learning-rate schedules as pure functions of the step, so a resumed run needs only the step.
// warm-up: linear from lr / warmup_steps to lr over the first warmup_steps steps; then
// constant: lr; step: lr * gamma^floor(epoch / step_epochs); cosine: min_lr + (lr - min_lr) *
// (1 + cos(pi * t)) / 2, t the fraction of post-warm-up steps done (Loshchilov and Hutter 2017).
#include <cstdint>
#include <string>

#include "net/json_reader.h"

namespace bcnn {

struct ScheduleSpec {
  std::string type = "constant";  // "constant", "step", "cosine"
  double warmup_epochs = 0.0;
  int step_epochs = 1;            // step
  double gamma = 0.1;             // step
  double min_lr = 0.0;            // cosine

  static ScheduleSpec from_json(JsonObject& object);
  nlohmann::json to_json() const;
};

// lr at optimizer step `step` (0-based) of a run of `total_steps`, `steps_per_epoch` per epoch.
double learning_rate(const ScheduleSpec& spec, double base_lr, std::int64_t step, std::int64_t steps_per_epoch,
                     std::int64_t total_steps);

}  // namespace bcnn
