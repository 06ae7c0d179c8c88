#pragma once
// bcnn-train --init MODEL.h5: a run that starts from a model's parameters instead of a random
// initialization (fine-tuning a bcnn-compress output, or continuing from any model with a new
// schedule). Strict, as PyTorch's load_state_dict: every layer of the configured network that has
// parameters takes them from the model's layer of the same name, of the same type and shapes, and
// the model has no parameters the network would leave unused.
#include <string>

#include "io/model_file.h"
#include "net/network.h"

namespace bcnn {

// Copies the parameters of `model` (read from `model_path`) into `net` (configured in `origin`).
// Throws bcnn::Error naming the file, the layer, the expected and the found.
void init_from_model(Network& net, const std::string& origin, const LoadedModel& model, const std::string& model_path);

}  // namespace bcnn
