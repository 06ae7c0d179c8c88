#include "data/normalize.h"

#include <cmath>

#include "core/error.h"

namespace bcnn {
namespace {

std::vector<double> channel_numbers(JsonObject& o, const std::string& key, int channels, bool positive) {
  const nlohmann::json& v = o.raw(key);
  const std::string expected = "an array of " + std::to_string(channels) + " " +
                               (positive ? "positive numbers" : "numbers") + " (one per input channel)";
  if (!v.is_array() || static_cast<int>(v.size()) != channels) o.fail(key, expected, describe_json(v));
  std::vector<double> out;
  for (const auto& e : v) {
    if (!e.is_number() || !std::isfinite(e.get<double>()) || (positive && !(e.get<double>() > 0)))
      o.fail(key, expected, describe_json(v));
    out.push_back(e.get<double>());
  }
  return out;
}

}  // namespace

Normalization Normalization::from_json(JsonObject& o, int channels) {
  Normalization n;
  n.mean = channel_numbers(o, "mean", channels, false);
  n.stddev = channel_numbers(o, "std", channels, true);
  o.reject_unknown_keys();
  return n;
}

nlohmann::json Normalization::to_json() const { return {{"mean", mean}, {"std", stddev}}; }

void normalize_images(Tensor& images, const Normalization& n) {
  if (!n.enabled() || images.size() == 0) return;
  const int channels = images.sample_shape().empty() ? 1 : images.sample_shape()[0];
  if (static_cast<int>(n.mean.size()) != channels || n.stddev.size() != n.mean.size())
    throw Error("normalization of " + std::to_string(n.mean.size()) + " channels applied to samples of shape " +
                shape_string(images.sample_shape()) + " (" + std::to_string(channels) + " channels)");
  const std::int64_t plane = images.sample_size() / channels;
  for (int c = 0; c < channels; ++c) {
    const float mean = static_cast<float>(n.mean[static_cast<std::size_t>(c)]);
    const float stddev = static_cast<float>(n.stddev[static_cast<std::size_t>(c)]);
    for (int b = 0; b < images.batch(); ++b) {
      float* x = images.sample(b) + c * plane;
      for (std::int64_t i = 0; i < plane; ++i) x[i] = (x[i] - mean) / stddev;
    }
  }
}

void normalize_dataset(Dataset& data, const Normalization& n) {
  if (!n.enabled()) return;
  normalize_images(data.images, n);
  data.description += ", normalized";
}

Normalization stored_normalization(const nlohmann::json& config, const std::string& origin, int channels) {
  if (!config.is_object() || !config.contains("train")) return {};
  JsonObject train(config.at("train"), origin + ": config", "/train");
  if (!train.has("normalize")) return {};
  JsonObject object = train.get_object("normalize");
  return Normalization::from_json(object, channels);
}

}  // namespace bcnn
