#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace bcnn {

ScheduleSpec ScheduleSpec::from_json(JsonObject& o) {
  ScheduleSpec s;
  s.type = o.get_string("type", "constant", {"constant", "step", "cosine"});
  s.warmup_epochs = o.get_number("warmup_epochs", 0.0, 0.0, 1e6);
  if (s.type == "step") {
    s.step_epochs = static_cast<int>(o.get_int("step_epochs", 1, 1, 1000000));
    s.gamma = o.get_number("gamma", 0.1, 0.0, 1.0);
  }
  if (s.type == "cosine") s.min_lr = o.get_number("min_lr", 0.0, 0.0, 10.0);
  o.reject_unknown_keys();
  return s;
}

nlohmann::json ScheduleSpec::to_json() const {
  nlohmann::json j = {{"type", type}, {"warmup_epochs", warmup_epochs}};
  if (type == "step") {
    j["step_epochs"] = step_epochs;
    j["gamma"] = gamma;
  }
  if (type == "cosine") j["min_lr"] = min_lr;
  return j;
}

double learning_rate(const ScheduleSpec& s, double base_lr, std::int64_t step, std::int64_t steps_per_epoch,
                     std::int64_t total_steps) {
  const auto warmup = static_cast<std::int64_t>(std::llround(s.warmup_epochs * steps_per_epoch));
  if (step < warmup) return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (s.type == "step") {
    std::int64_t epoch = step / std::max<std::int64_t>(1, steps_per_epoch);
    return base_lr * std::pow(s.gamma, static_cast<double>(epoch / s.step_epochs));
  }
  if (s.type == "cosine") {
    double span = static_cast<double>(std::max<std::int64_t>(1, total_steps - warmup));
    double t = std::min(1.0, static_cast<double>(step - warmup) / span);
    return s.min_lr + (base_lr - s.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
  }
  return base_lr;
}

}  // namespace bcnn
