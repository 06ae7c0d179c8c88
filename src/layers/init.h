#pragma once
#include <span>
#include <string>
#include <vector>

#include "core/random.h"

namespace bcnn {

// Names accepted by a layer's "init" key.
const std::vector<std::string>& init_names();

// "he": normal, std sqrt(2 / fan_in) (He et al. 2015, for ReLU networks);
// "glorot": uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio 2010).
void init_weights(const std::string& kind, std::span<float> weights, int fan_in, int fan_out, Rng& rng);

}  // namespace bcnn
