#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cli.h"
#include "core/error.h"
#include "core/random.h"
#include "data/dataset.h"
#include "data/idx.h"

namespace {

using bcnn::testing::error_message;
using bcnn::testing::TempDir;

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::uint8_t pixel_byte(int image, int pixel) { return static_cast<std::uint8_t>((image * 31 + pixel * 7) % 256); }

bcnn::IdxArray image_array(int count, std::uint32_t side = 28) {
  bcnn::IdxArray a;
  a.dims = {static_cast<std::uint32_t>(count), side, side};
  a.data.resize(static_cast<std::size_t>(count) * side * side);
  for (int i = 0; i < count; ++i) {
    for (std::size_t p = 0; p < side * side; ++p) {
      a.data[i * side * side + p] = pixel_byte(i, static_cast<int>(p));
    }
  }
  return a;
}

bcnn::IdxArray label_array(const std::vector<std::uint8_t>& labels) {
  return {{static_cast<std::uint32_t>(labels.size())}, labels};
}

// An MNIST-layout pair of files for `prefix` ("train" or "t10k").
void write_split(const TempDir& dir, const std::string& prefix, const bcnn::IdxArray& images,
                 const bcnn::IdxArray& labels, bool gzip = false) {
  const std::string suffix = gzip ? ".gz" : "";
  bcnn::write_idx(dir.file(prefix + "-images-idx3-ubyte" + suffix), images, gzip);
  bcnn::write_idx(dir.file(prefix + "-labels-idx1-ubyte" + suffix), labels, gzip);
}

// A dataset whose image i has every pixel equal to i, so a sample tells where it came from.
bcnn::Dataset indexed_dataset(int n) {
  bcnn::Dataset d;
  d.images.resize(n, {1, 2, 2});
  for (int i = 0; i < n; ++i) std::fill_n(d.images.sample(i), 4, static_cast<float>(i));
  for (int i = 0; i < n; ++i) d.labels.push_back(i % 10);
  d.num_classes = 10;
  d.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  d.description = "indexed";
  return d;
}

std::vector<int> source_indices(const bcnn::Dataset& d) {
  std::vector<int> indices;
  for (int i = 0; i < d.size(); ++i) indices.push_back(static_cast<int>(d.images.sample(i)[0]));
  return indices;
}

}  // namespace

TEST_CASE("dataset: the known names") {
  CHECK(bcnn::dataset_names() == std::vector<std::string>{"mnist", "fashion_mnist", "cifar10"});
}

TEST_CASE("dataset: a tiny mnist loads as (N, 1, 28, 28) bytes/255 with its labels") {
  TempDir dir;
  const std::vector<std::uint8_t> labels = {3, 0, 9, 1, 7};
  write_split(dir, "train", image_array(5), label_array(labels));

  bcnn::Dataset d = bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train);
  CHECK(d.size() == 5);
  CHECK(d.images.batch() == 5);
  CHECK(d.sample_shape() == bcnn::Shape{1, 28, 28});
  CHECK(d.labels == std::vector<std::int32_t>(labels.begin(), labels.end()));
  CHECK(d.num_classes == 10);
  CHECK(d.class_names == std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  CHECK(contains(d.description, "mnist train"));
  CHECK(contains(d.description, dir.str()));
  bool all_equal = true;
  for (int i = 0; i < 5; ++i) {
    for (int p = 0; p < 28 * 28; ++p) {
      all_equal = all_equal && d.images.sample(i)[p] == static_cast<float>(pixel_byte(i, p)) / 255.0f;
    }
  }
  CHECK(all_equal);
  CHECK(d.images.sample(0)[0] == 0.0f);
}

TEST_CASE("dataset: the test split reads t10k files, gzip works, and fashion_mnist has its class names") {
  TempDir dir;
  write_split(dir, "t10k", image_array(3), label_array({9, 0, 4}), true);

  bcnn::Dataset d = bcnn::load_dataset("fashion_mnist", dir.str(), bcnn::Split::test);
  CHECK(d.size() == 3);
  CHECK(d.labels == std::vector<std::int32_t>{9, 0, 4});
  CHECK(d.images.sample(2)[5] == static_cast<float>(pixel_byte(2, 5)) / 255.0f);
  REQUIRE(d.class_names.size() == 10);
  CHECK(d.class_names[0] == "T-shirt/top");
  CHECK(d.class_names[9] == "Ankle boot");
  CHECK(contains(d.description, "fashion_mnist test"));

  // The training files are absent, so the train split fails.
  CHECK_THROWS_AS(bcnn::load_dataset("fashion_mnist", dir.str(), bcnn::Split::train), bcnn::Error);
}

TEST_CASE("dataset: a raw file is preferred over its .gz twin") {
  TempDir dir;
  write_split(dir, "train", image_array(2), label_array({1, 2}));
  write_split(dir, "train", image_array(4), label_array({5, 6, 7, 8}), true);
  CHECK(bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train).size() == 2);
}

TEST_CASE("dataset: missing files name the directory, the files and the fetch script") {
  TempDir dir;
  std::string message = error_message([&] { bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train); });
  CHECK(message.rfind(dir.str() + ":", 0) == 0);
  CHECK(contains(message, "train-images-idx3-ubyte"));
  CHECK(contains(message, "train-labels-idx1-ubyte"));
  CHECK(contains(message, "datasets/fetch_mnist.sh"));

  message = error_message([&] { bcnn::load_dataset("fashion_mnist", dir.str(), bcnn::Split::test); });
  CHECK(contains(message, "t10k-images-idx3-ubyte"));
  CHECK(contains(message, "datasets/fetch_fashion_mnist.sh"));

  const std::string absent = dir.file("no-such-dir");
  message = error_message([&] { bcnn::load_dataset("mnist", absent, bcnn::Split::train); });
  CHECK(message.rfind(absent + ":", 0) == 0);
  CHECK(contains(message, "does not exist"));

  // Only the labels missing: the message names only them.
  bcnn::write_idx(dir.file("train-images-idx3-ubyte"), image_array(1));
  message = error_message([&] { bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train); });
  CHECK(contains(message, "train-labels-idx1-ubyte"));
  CHECK_FALSE(contains(message, "train-images-idx3-ubyte"));
}

TEST_CASE("dataset: a label out of range names the file, the index and the value") {
  TempDir dir;
  write_split(dir, "train", image_array(5), label_array({1, 2, 3, 10, 4}));
  const std::string labels_path = dir.file("train-labels-idx1-ubyte");
  std::string message = error_message([&] { bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train); });
  CHECK(message.rfind(labels_path + ":", 0) == 0);
  CHECK(contains(message, "label 3 is 10"));
  CHECK(contains(message, "expected 0 to 9"));
}

TEST_CASE("dataset: image and label counts must agree") {
  TempDir dir;
  write_split(dir, "train", image_array(5), label_array({1, 2, 3, 4}));
  std::string message = error_message([&] { bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train); });
  CHECK(contains(message, dir.file("train-images-idx3-ubyte")));
  CHECK(contains(message, dir.file("train-labels-idx1-ubyte")));
  CHECK(contains(message, "5 images"));
  CHECK(contains(message, "4 labels"));
}

TEST_CASE("dataset: image and label counts are compared before any image is read") {
  TempDir dir;
  write_split(dir, "t10k", image_array(50), label_array({1, 2, 3}), true);
  // Cut the images after their header: reading them would report the truncation first.
  const std::string images = dir.file("t10k-images-idx3-ubyte.gz");
  std::vector<unsigned char> bytes = {0, 0, 0x08, 3, 0, 0, 0, 50, 0, 0, 0, 28, 0, 0, 0, 28};
  gzFile file = gzopen(images.c_str(), "wb");
  REQUIRE(file != nullptr);
  CHECK(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(file) == Z_OK);
  std::string message = error_message([&] { bcnn::load_dataset("mnist", dir.str(), bcnn::Split::test); });
  CHECK(message == images + " holds 50 images but " + dir.file("t10k-labels-idx1-ubyte.gz") +
                       " holds 3 labels; expected equal counts");
}

TEST_CASE("dataset: images of another size are refused") {
  TempDir dir;
  write_split(dir, "train", image_array(2, 32), label_array({1, 2}));
  std::string message = error_message([&] { bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train); });
  CHECK(message.rfind(dir.file("train-images-idx3-ubyte") + ":", 0) == 0);
  CHECK(contains(message, "32x32"));
  CHECK(contains(message, "expected 28x28"));
}

TEST_CASE("dataset: errors from the IDX reader pass through with the file name") {
  TempDir dir;
  write_split(dir, "train", image_array(2), label_array({1, 2}));
  // Labels written as rank 3 where rank 1 is expected.
  bcnn::write_idx(dir.file("train-labels-idx1-ubyte"), image_array(2));
  std::string message = error_message([&] { bcnn::load_dataset("mnist", dir.str(), bcnn::Split::train); });
  CHECK(message.rfind(dir.file("train-labels-idx1-ubyte") + ":", 0) == 0);
  CHECK(contains(message, "rank 3, expected 1"));
}

TEST_CASE("dataset: an unknown name lists the known ones") {
  std::string message = error_message([] { bcnn::load_dataset("cifar100", "/nowhere", bcnn::Split::train); });
  CHECK(contains(message, "cifar100"));
  CHECK(contains(message, "mnist"));
  CHECK(contains(message, "fashion_mnist"));
}

TEST_CASE("dataset: subset takes the given samples in the given order") {
  bcnn::Dataset full = indexed_dataset(12);
  bcnn::Dataset sub = bcnn::dataset_subset(full, {7, 2, 11, 2});
  CHECK(source_indices(sub) == std::vector<int>{7, 2, 11, 2});
  CHECK(sub.labels == std::vector<std::int32_t>{7, 2, 1, 2});
  CHECK(sub.sample_shape() == full.sample_shape());
  CHECK(sub.num_classes == 10);
  CHECK(sub.class_names == full.class_names);

  std::string message = error_message([&] { bcnn::dataset_subset(full, {0, 12}); });
  CHECK(contains(message, "is 12"));
  CHECK(contains(message, "expected 0 to 11"));
}

TEST_CASE("dataset: split_validation is a seeded, disjoint, covering split in file order") {
  const int n = 100;
  bcnn::Dataset full = indexed_dataset(n);
  bcnn::TrainValidation a = bcnn::split_validation(full, 30, 42);
  CHECK(a.train.size() == 70);
  CHECK(a.validation.size() == 30);
  CHECK(a.train.sample_shape() == full.sample_shape());

  std::vector<int> train = source_indices(a.train);
  std::vector<int> validation = source_indices(a.validation);
  CHECK(std::is_sorted(train.begin(), train.end()));
  CHECK(std::is_sorted(validation.begin(), validation.end()));
  std::set<int> all(train.begin(), train.end());
  all.insert(validation.begin(), validation.end());
  CHECK(all.size() == static_cast<std::size_t>(n));  // disjoint and covering
  CHECK(*all.begin() == 0);
  CHECK(*all.rbegin() == n - 1);
  for (int i = 0; i < a.train.size(); ++i) CHECK(a.train.labels[i] == train[i] % 10);

  // The documented choice: the first `count` of random_permutation under Stream::split.
  bcnn::Rng rng(42, bcnn::Stream::split);
  std::vector<int> permutation = bcnn::random_permutation(n, rng);
  std::vector<int> expected(permutation.begin(), permutation.begin() + 30);
  std::sort(expected.begin(), expected.end());
  CHECK(validation == expected);

  bcnn::TrainValidation again = bcnn::split_validation(full, 30, 42);
  CHECK(source_indices(again.validation) == validation);
  CHECK(source_indices(again.train) == train);
  bcnn::TrainValidation other = bcnn::split_validation(full, 30, 43);
  CHECK(source_indices(other.validation) != validation);

  bcnn::TrainValidation none = bcnn::split_validation(full, 0, 42);
  CHECK(none.validation.size() == 0);
  CHECK(source_indices(none.train) == source_indices(full));
}

TEST_CASE("dataset: split_validation refuses impossible counts") {
  bcnn::Dataset full = indexed_dataset(10);
  std::string message = error_message([&] { bcnn::split_validation(full, -1, 1); });
  CHECK(contains(message, "-1"));
  CHECK(contains(message, "0 or more"));

  message = error_message([&] { bcnn::split_validation(full, 10, 1); });
  CHECK(contains(message, "validation count 10"));
  CHECK(contains(message, "10 images"));
  CHECK(contains(message, "at most 9"));

  CHECK(bcnn::split_validation(full, 9, 1).train.size() == 1);
}
