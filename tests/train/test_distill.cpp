// The distillation loss (train/distill.h): its limits and its gradient by finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "train/distill.h"

namespace {

bcnn::Tensor random_logits(int batch, int classes, std::uint64_t seed, float scale) {
  bcnn::Tensor t;
  t.resize(batch, {classes});
  bcnn::Rng rng(seed, bcnn::Stream::init, 0);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = scale * static_cast<float>(rng.normal());
  return t;
}

}  // namespace

TEST_CASE("distillation: alpha 0 is the cross-entropy, and a student equal to its teacher adds nothing") {
  const bcnn::Tensor student = random_logits(5, 7, 1, 2.0f), teacher = random_logits(5, 7, 2, 2.0f);
  const std::vector<std::int32_t> labels = {0, 3, 6, 2, 2};
  bcnn::Tensor g_ce, g_distill;
  bcnn::LossResult ce = bcnn::softmax_cross_entropy(student, labels, &g_ce);
  bcnn::LossResult hard = bcnn::distillation_loss(student, teacher, labels, {4.0, 0.0}, &g_distill);
  CHECK(hard.loss_sum == doctest::Approx(ce.loss_sum));
  CHECK(hard.correct == ce.correct);
  for (std::size_t i = 0; i < g_ce.size(); ++i) CHECK(g_distill[i] == doctest::Approx(g_ce[i]));

  bcnn::LossResult same = bcnn::distillation_loss(student, student, labels, {3.0, 0.6}, nullptr);
  CHECK(same.loss_sum == doctest::Approx(0.4 * ce.loss_sum));
  bcnn::LossResult other = bcnn::distillation_loss(student, teacher, labels, {3.0, 0.6}, nullptr);
  CHECK(other.loss_sum > same.loss_sum + 0.1);  // KL > 0 for a different teacher
}

TEST_CASE("distillation: the gradient matches central finite differences of the mean loss") {
  const int B = 4, C = 6;
  bcnn::Tensor student = random_logits(B, C, 3, 1.5f);
  const bcnn::Tensor teacher = random_logits(B, C, 4, 3.0f);
  const std::vector<std::int32_t> labels = {1, 5, 0, 3};
  for (bcnn::DistillSpec spec : {bcnn::DistillSpec{2.0, 0.5}, bcnn::DistillSpec{6.0, 0.9}, bcnn::DistillSpec{1.0, 1.0}}) {
    CAPTURE(spec.temperature);
    CAPTURE(spec.alpha);
    bcnn::Tensor grad;
    bcnn::distillation_loss(student, teacher, labels, spec, &grad);
    for (std::size_t i = 0; i < student.size(); ++i) {
      const float saved = student[i];
      const float h = 1e-2f;
      student[i] = saved + h;
      const double up = bcnn::distillation_loss(student, teacher, labels, spec, nullptr).loss_sum / B;
      student[i] = saved - h;
      const double down = bcnn::distillation_loss(student, teacher, labels, spec, nullptr).loss_sum / B;
      student[i] = saved;
      CAPTURE(i);
      CHECK(grad[i] == doctest::Approx((up - down) / (2 * h)).epsilon(2e-3).scale(1e-3));
    }
  }
}

TEST_CASE("distillation: train.distill is read with its ranges, and unknown keys are refused") {
  nlohmann::json j = {{"temperature", 2.5}};
  bcnn::JsonObject o(j, "net.json", "/train/distill");
  bcnn::DistillSpec s = bcnn::DistillSpec::from_json(o);
  CHECK(s.temperature == 2.5);
  CHECK(s.alpha == 0.7);
  nlohmann::json bad = {{"alpha", 1.5}};
  bcnn::JsonObject ob(bad, "net.json", "/train/distill");
  CHECK_THROWS_WITH_AS(bcnn::DistillSpec::from_json(ob), doctest::Contains("/train/distill/alpha"), bcnn::Error);
  nlohmann::json unknown = {{"temp", 2}};
  bcnn::JsonObject ou(unknown, "net.json", "/train/distill");
  CHECK_THROWS_WITH_AS(bcnn::DistillSpec::from_json(ou), doctest::Contains("/train/distill/temp"), bcnn::Error);
}
