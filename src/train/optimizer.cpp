#include "train/optimizer.h"

#include <cmath>

namespace bcnn {

OptimizerSpec OptimizerSpec::from_json(JsonObject& o) {
  OptimizerSpec s;
  s.type = o.get_string("type", "adam", {"sgd", "adam", "adamw"});
  s.lr = o.get_number("lr", s.type == "sgd" ? 0.05 : 1e-3, 1e-9, 10.0);
  s.weight_decay = o.get_number("weight_decay", s.type == "adamw" ? 1e-2 : 0.0, 0.0, 1.0);
  if (s.type == "sgd") {
    s.momentum = o.get_number("momentum", 0.9, 0.0, 0.9999);
    s.nesterov = o.get_bool("nesterov", false);
    if (s.nesterov && s.momentum == 0.0) o.fail("nesterov", "false when momentum is 0", "true");
  } else {
    auto betas = o.has("betas") ? o.get_number_list("betas", 2, 2) : std::vector<double>{0.9, 0.999};
    for (double b : betas)
      if (!(b >= 0.0 && b < 1.0)) o.fail("betas", "two numbers in [0, 1)", describe_json(o.raw("betas")));
    s.beta1 = betas[0];
    s.beta2 = betas[1];
    s.eps = o.get_number("eps", 1e-8, 1e-12, 1.0);
  }
  o.reject_unknown_keys();
  return s;
}

nlohmann::json OptimizerSpec::to_json() const {
  nlohmann::json j = {{"type", type}, {"lr", lr}, {"weight_decay", weight_decay}};
  if (type == "sgd") {
    j["momentum"] = momentum;
    j["nesterov"] = nesterov;
  } else {
    j["betas"] = {beta1, beta2};
    j["eps"] = eps;
  }
  return j;
}

Optimizer::Optimizer(OptimizerSpec spec, std::size_t size, std::vector<ParamRange> ranges)
    : spec_(std::move(spec)), ranges_(std::move(ranges)), decay_(size, 0), step_factor_(size, 1.0f), first_(size, 0.0f) {
  // Non-trainable entries (batchnorm's running statistics) get no decay and a zero step factor,
  // whatever their gradient says; a factor (not a branch) keeps the loops vectorized, and
  // multiplying by 1 leaves the trainable entries' updates bit for bit as they were.
  for (const auto& r : ranges_)
    for (std::size_t i = r.offset; i < r.offset + r.size; ++i) {
      decay_[i] = r.decay && r.trainable ? 1 : 0;
      step_factor_[i] = r.trainable ? 1.0f : 0.0f;
    }
  if (spec_.type != "sgd") second_.assign(size, 0.0f);
}

std::vector<std::pair<std::string, AlignedVector<float>*>> Optimizer::state() {
  if (spec_.type == "sgd") return {{"momentum", &first_}};
  return {{"first_moment", &first_}, {"second_moment", &second_}};
}

void Optimizer::step(std::span<float> params, std::span<const float> grads, double lr_double) {
  ++steps_;
  const std::size_t n = params.size();
  float* p = params.data();
  const float* g = grads.data();
  float* m = first_.data();
  const float lr = static_cast<float>(lr_double);
  const float wd = static_cast<float>(spec_.weight_decay);
  const unsigned char* decay = decay_.data();
  const float* factor = step_factor_.data();
  if (spec_.type == "sgd") {
    const float mu = static_cast<float>(spec_.momentum);
    const bool nesterov = spec_.nesterov;
#pragma omp parallel for simd schedule(static) if (parallel : n > (1u << 16))
    for (std::size_t i = 0; i < n; ++i) {
      float gi = g[i] + (decay[i] ? wd * p[i] : 0.0f);
      m[i] = mu * m[i] + gi;
      p[i] -= factor[i] * (lr * (nesterov ? gi + mu * m[i] : m[i]));
    }
    return;
  }
  float* v = second_.data();
  const bool decoupled = spec_.type == "adamw";
  const float b1 = static_cast<float>(spec_.beta1), b2 = static_cast<float>(spec_.beta2);
  const double t = static_cast<double>(steps_);
  // Bias corrections folded into the step size, as in Kingma and Ba (2015), Algorithm 1 note.
  const float c1 = static_cast<float>(1.0 - std::pow(spec_.beta1, t));
  const float c2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(spec_.beta2, t)));
  const float eps = static_cast<float>(spec_.eps);
#pragma omp parallel for simd schedule(static) if (parallel : n > (1u << 16))
  for (std::size_t i = 0; i < n; ++i) {
    float gi = g[i];
    if (decay[i]) {
      if (decoupled) p[i] -= lr * wd * p[i];
      else gi += wd * p[i];
    }
    m[i] = b1 * m[i] + (1.0f - b1) * gi;
    v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
    p[i] -= factor[i] * (lr * (m[i] / c1) / (std::sqrt(v[i]) / c2_sqrt + eps));
  }
}

}  // namespace bcnn
