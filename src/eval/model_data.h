#pragma once
// The images a model is evaluated on: a split of the dataset it was trained on (its stored
// train.dataset, from its stored train.data or another directory), checked against the model's
// input shape and class count and normalized as in training.
#include <optional>
#include <string>

#include "data/dataset.h"
#include "io/model_file.h"

namespace bcnn {

Dataset load_model_dataset(const LoadedModel& model, const std::string& model_path,
                           const std::optional<std::string>& data_dir, Split split);

}  // namespace bcnn
