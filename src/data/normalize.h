#pragma once
// Per-channel input normalization, train.normalize in a configuration: x' = (x - mean[c]) / std[c]
// for every value of channel c (the first dimension of a sample). It is part of the model: the
// trainer applies it to training, validation and test images; the resolved configuration stored in
// the model file carries it, and bcnn-eval (and anything else that feeds a model) applies it too.
#include <nlohmann/json.hpp>

#include <vector>

#include "core/tensor.h"
#include "data/dataset.h"
#include "net/json_reader.h"

namespace bcnn {

struct Normalization {
  std::vector<double> mean;  // one per channel; both empty: the images go in as loaded
  std::vector<double> stddev;  // "std" in JSON

  bool enabled() const { return !mean.empty(); }

  // Reads {"mean": [...], "std": [...]}: `channels` numbers each, every std positive.
  static Normalization from_json(JsonObject& object, int channels);
  nlohmann::json to_json() const;
};

// Normalizes every sample of `images` (N, C, ...) in place, in float32:
// x = (x - float(mean[c])) / float(std[c]). Nothing happens when `n` is not enabled.
void normalize_images(Tensor& images, const Normalization& n);
void normalize_dataset(Dataset& data, const Normalization& n);

// The normalization stored in a resolved configuration (its "train" object's "normalize"), not
// enabled when there is none. Errors name `origin` (the model file) and the JSON pointer.
Normalization stored_normalization(const nlohmann::json& config, const std::string& origin, int channels);

}  // namespace bcnn
