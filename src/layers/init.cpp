#include "layers/init.h"

#include <cmath>

#include "core/error.h"

namespace bcnn {

const std::vector<std::string>& init_names() {
  static const std::vector<std::string> names{"he", "glorot"};
  return names;
}

void init_weights(const std::string& kind, std::span<float> weights, int fan_in, int fan_out, Rng& rng) {
  if (kind == "he") {
    double std_dev = std::sqrt(2.0 / fan_in);
    for (float& w : weights) w = static_cast<float>(rng.normal() * std_dev);
  } else if (kind == "glorot") {
    double limit = std::sqrt(6.0 / (fan_in + fan_out));
    for (float& w : weights) w = static_cast<float>((2.0 * rng.uniform_double() - 1.0) * limit);
  } else {
    throw Error("unknown initialization \"" + kind + "\"");
  }
}

}  // namespace bcnn
