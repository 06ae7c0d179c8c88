#include "data/dataset.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>

#include "core/error.h"
#include "core/strings.h"
#include "core/random.h"
#include "data/cifar.h"
#include "data/idx.h"

namespace bcnn {
namespace {

struct IdxDatasetInfo {
  std::string name;
  std::string default_dir;
  std::string fetch_script;
  std::vector<std::string> class_names;
};

// Both are 28x28 grey images in ten classes, stored in MNIST's IDX file layout.
constexpr std::uint32_t idx_image_side = 28;
constexpr int idx_num_classes = 10;

const std::vector<IdxDatasetInfo>& idx_datasets() {
  static const std::vector<IdxDatasetInfo> infos = {
      {"mnist", "datasets/mnist", "datasets/fetch_mnist.sh", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
      {"fashion_mnist",
       "datasets/fashion-mnist",
       "datasets/fetch_fashion_mnist.sh",
       {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}},
  };
  return infos;
}

// The raw file wins over its .gz twin: it is what a user unpacked on purpose, and faster to read.
// Returns "" when neither exists.
std::string find_idx_file(const std::filesystem::path& dir, const std::string& base) {
  std::error_code ec;
  for (const std::string& candidate : {base, base + ".gz"}) {
    std::filesystem::path p = dir / candidate;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

Dataset load_idx_dataset(const IdxDatasetInfo& info, const std::string& dir, Split split) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const std::string images_base = prefix + "-images-idx3-ubyte";
  const std::string labels_base = prefix + "-labels-idx1-ubyte";
  std::string images_path = find_idx_file(dir, images_base);
  std::string labels_path = find_idx_file(dir, labels_base);

  std::vector<std::string> missing;
  if (images_path.empty()) missing.push_back(images_base + " (or " + images_base + ".gz)");
  if (labels_path.empty()) missing.push_back(labels_base + " (or " + labels_base + ".gz)");
  if (!missing.empty()) {
    std::error_code ec;
    std::string where = std::filesystem::is_directory(dir, ec) ? "" : " (the directory does not exist)";
    throw Error(dir + ": " + info.name + " files not found" + where + ": looked for " + join(missing, " and ") +
                "; get them with: " + info.fetch_script + " " + dir);
  }

  // Both headers are checked before any data is read, so that a mismatch costs no decompression.
  const IdxHeader images_header = read_idx_header(images_path, 3);
  const std::vector<std::uint32_t>& image_dims = images_header.dims;
  if (image_dims[1] != idx_image_side || image_dims[2] != idx_image_side) {
    throw Error(images_path + ": images are " + std::to_string(image_dims[1]) + "x" + std::to_string(image_dims[2]) +
                ", expected " + std::to_string(idx_image_side) + "x" + std::to_string(idx_image_side) + " for " +
                info.name);
  }
  if (image_dims[0] > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
    throw Error(images_path + ": " + std::to_string(image_dims[0]) + " images, more than this program can index");
  }
  const IdxHeader labels_header = read_idx_header(labels_path, 1);
  if (labels_header.dims[0] != image_dims[0]) {
    throw Error(images_path + " holds " + std::to_string(image_dims[0]) + " images but " + labels_path + " holds " +
                std::to_string(labels_header.dims[0]) + " labels; expected equal counts");
  }
  IdxArray labels = read_idx(labels_path, 1);
  IdxArray images = read_idx(images_path, 3);
  // The files may have changed between the header reads and now.
  if (images.dims != image_dims || labels.dims != labels_header.dims) {
    throw Error(images_path + " and " + labels_path + " changed while they were being read");
  }

  const int count = static_cast<int>(images.dims[0]);
  Dataset dataset;
  dataset.labels.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::uint8_t label = labels.data[static_cast<std::size_t>(i)];
    if (label >= idx_num_classes) {
      throw Error(labels_path + ": label " + std::to_string(i) + " is " + std::to_string(label) + ", expected 0 to " +
                  std::to_string(idx_num_classes - 1));
    }
    dataset.labels[static_cast<std::size_t>(i)] = label;
  }

  dataset.images.resize(count, {1, static_cast<int>(images.dims[1]), static_cast<int>(images.dims[2])});
  float* out = dataset.images.data();
  for (std::size_t i = 0; i < images.data.size(); ++i) out[i] = static_cast<float>(images.data[i]) / 255.0f;

  dataset.num_classes = idx_num_classes;
  dataset.class_names = info.class_names;
  dataset.description = info.name + " " + (split == Split::train ? "train" : "test") + " (" + dir + ")";
  return dataset;
}

// Every dataset by name: where its files live by default and how to load a split.
struct DatasetEntry {
  std::string name;
  std::string default_dir;
  Shape sample_shape;
  std::function<Dataset(const std::string& dir, Split split)> load;
};

const std::vector<DatasetEntry>& registry() {
  static const std::vector<DatasetEntry> entries = [] {
    std::vector<DatasetEntry> e;
    for (const IdxDatasetInfo& info : idx_datasets())
      e.push_back({info.name, info.default_dir, {1, static_cast<int>(idx_image_side), static_cast<int>(idx_image_side)},
                   [&info](const std::string& dir, Split split) { return load_idx_dataset(info, dir, split); }});
    e.push_back({"cifar10", "datasets/cifar-10", {3, 32, 32}, load_cifar10});
    return e;
  }();
  return entries;
}

const DatasetEntry& find_dataset(const std::string& name) {
  for (const DatasetEntry& entry : registry())
    if (entry.name == name) return entry;
  throw Error("unknown dataset \"" + name + "\"; known datasets: " + join(dataset_names(), ", "));
}

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const DatasetEntry& entry : registry()) n.push_back(entry.name);
    return n;
  }();
  return names;
}

std::string default_data_dir(const std::string& name) { return find_dataset(name).default_dir; }

Shape dataset_sample_shape(const std::string& name) { return find_dataset(name).sample_shape; }

Dataset load_dataset(const std::string& name, const std::string& dir, Split split) {
  return find_dataset(name).load(dir, split);
}

Dataset dataset_subset(const Dataset& full, const std::vector<int>& indices) {
  const int count = static_cast<int>(indices.size());
  for (int i = 0; i < count; ++i) {
    if (indices[static_cast<std::size_t>(i)] < 0 || indices[static_cast<std::size_t>(i)] >= full.size()) {
      throw Error(full.description + ": subset index " + std::to_string(i) + " is " +
                  std::to_string(indices[static_cast<std::size_t>(i)]) + ", expected 0 to " +
                  std::to_string(full.size() - 1));
    }
  }
  Dataset subset;
  subset.images.resize(count, full.images.sample_shape());
  subset.labels.resize(indices.size());
  const std::int64_t sample_size = full.images.sample_size();
  for (int i = 0; i < count; ++i) {
    int source = indices[static_cast<std::size_t>(i)];
    std::copy_n(full.images.sample(source), sample_size, subset.images.sample(i));
    subset.labels[static_cast<std::size_t>(i)] = full.labels[static_cast<std::size_t>(source)];
  }
  subset.num_classes = full.num_classes;
  subset.class_names = full.class_names;
  subset.description = full.description;
  return subset;
}

TrainValidation split_validation(const Dataset& full, int validation_count, std::uint64_t seed) {
  const int n = full.size();
  if (validation_count < 0) {
    throw Error(full.description + ": validation count " + std::to_string(validation_count) +
                ", expected 0 or more");
  }
  if (validation_count >= n) {
    throw Error(full.description + ": validation count " + std::to_string(validation_count) + " leaves no training images (" +
                std::to_string(n) + " images), expected at most " + std::to_string(n - 1));
  }
  Rng rng(seed, Stream::split);
  std::vector<int> permutation = random_permutation(n, rng);
  std::vector<int> validation(permutation.begin(), permutation.begin() + validation_count);
  std::vector<int> train(permutation.begin() + validation_count, permutation.end());
  // Ascending order keeps each part's samples in file order, so that the split alone, not the
  // permutation, decides what the epoch shuffles see.
  std::sort(validation.begin(), validation.end());
  std::sort(train.begin(), train.end());

  TrainValidation parts{dataset_subset(full, train), dataset_subset(full, validation)};
  parts.train.description = full.description + ", training part (" + std::to_string(train.size()) + " images)";
  parts.validation.description =
      full.description + ", validation part (" + std::to_string(validation.size()) + " images, seed " +
      std::to_string(seed) + ")";
  return parts;
}

}  // namespace bcnn
