#pragma once
// In-memory labelled image sets and the loaders that fill them.
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace bcnn {

struct Dataset {
  Tensor images;                      // (N, C, H, W), float, pixel values scaled to [0, 1]
  std::vector<std::int32_t> labels;   // N entries in [0, num_classes)
  int num_classes = 0;
  std::vector<std::string> class_names;
  std::string description;            // e.g. "mnist train (datasets/mnist)"

  int size() const { return static_cast<int>(labels.size()); }
  Shape sample_shape() const { return images.sample_shape(); }
};

enum class Split { train, test };

// Names the loaders know ("mnist", "fashion_mnist", "cifar10"). New datasets add themselves to
// the registry in dataset.cpp.
const std::vector<std::string>& dataset_names();

// Where the dataset's fetch/prepare script puts its files ("datasets/mnist", "datasets/cifar-10").
std::string default_data_dir(const std::string& name);

// The shape of one image of the dataset, (C, H, W): (1, 28, 28) for the MNIST kinds, (3, 32, 32)
// for CIFAR-10.
Shape dataset_sample_shape(const std::string& name);

// Loads `split` of dataset `name` from `dir`. Throws bcnn::Error naming the file and the problem
// (missing, truncated, wrong magic number, wrong rank or dimensions, wrong size, label out of
// range, images and labels of different counts).
Dataset load_dataset(const std::string& name, const std::string& dir, Split split);

// The images at `indices`, in that order.
Dataset dataset_subset(const Dataset& full, const std::vector<int>& indices);

// Holds `validation_count` images out of `full` (a seeded random choice, the same for the same
// seed) and returns {train, validation}. Throws when validation_count is negative or leaves no
// training images.
struct TrainValidation {
  Dataset train;
  Dataset validation;
};
TrainValidation split_validation(const Dataset& full, int validation_count, std::uint64_t seed);

}  // namespace bcnn
