// The CIFAR-10 binary reader on generated files: layout, order, values and every error path.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli.h"
#include "core/error.h"
#include "data/cifar.h"
#include "data/dataset.h"

namespace {

using bcnn::testing::contains;
using bcnn::testing::error_message;
using bcnn::testing::TempDir;

namespace fs = std::filesystem;

constexpr int image_bytes = 3 * 32 * 32;

// Pixel p (0..3071, in record order) of image `image`: distinct across images and planes.
std::uint8_t pixel_byte(int image, int p) { return static_cast<std::uint8_t>((image * 37 + p * 11 + p / 1024) % 256); }

// Writes `labels` as records whose images are numbered from `first_image`.
void write_records(const std::string& path, const std::vector<std::uint8_t>& labels, int first_image) {
  std::vector<std::uint8_t> pixels;
  for (std::size_t i = 0; i < labels.size(); ++i)
    for (int p = 0; p < image_bytes; ++p) pixels.push_back(pixel_byte(first_image + static_cast<int>(i), p));
  bcnn::write_cifar_batch(path, labels, pixels);
}

// A complete small set: train files of 2, 3, 1, 2, 2 records (labels 0..9 in order across the
// files, images numbered 0..9) and a test file of 3 records.
void write_small_set(const TempDir& dir) {
  const std::vector<std::vector<std::uint8_t>> train = {{0, 1}, {2, 3, 4}, {5}, {6, 7}, {8, 9}};
  int image = 0;
  for (int b = 0; b < 5; ++b) {
    write_records(dir.file("data_batch_" + std::to_string(b + 1) + ".bin"), train[static_cast<std::size_t>(b)], image);
    image += static_cast<int>(train[static_cast<std::size_t>(b)].size());
  }
  write_records(dir.file("test_batch.bin"), {9, 0, 4}, 100);
}

void write_bytes(const std::string& path, std::size_t count, unsigned char value = 1) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<char> bytes(count, static_cast<char>(value));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("cifar10: registered with its default directory and class names") {
  const auto& names = bcnn::dataset_names();
  CHECK(std::find(names.begin(), names.end(), "cifar10") != names.end());
  CHECK(bcnn::default_data_dir("cifar10") == "datasets/cifar-10");
  CHECK(bcnn::default_data_dir("mnist") == "datasets/mnist");
  CHECK(bcnn::cifar10_class_names() == std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer",
                                                                 "dog", "frog", "horse", "ship", "truck"});
  CHECK(bcnn::cifar_record_bytes == 3073);
}

TEST_CASE("cifar10: the five training files are read in order as (N, 3, 32, 32) bytes / 255") {
  TempDir dir("cifar");
  write_small_set(dir);
  bcnn::Dataset d = bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::train);
  REQUIRE(d.size() == 10);
  CHECK(d.sample_shape() == bcnn::Shape{3, 32, 32});
  CHECK(d.labels == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(d.num_classes == 10);
  CHECK(d.class_names == bcnn::cifar10_class_names());
  CHECK(contains(d.description, "cifar10 train"));
  CHECK(contains(d.description, dir.str()));
  int wrong = 0;
  for (int i = 0; i < 10; ++i)
    for (int p = 0; p < image_bytes; ++p)
      if (d.images.sample(i)[p] != static_cast<float>(pixel_byte(i, p)) / 255.0f) ++wrong;
  CHECK(wrong == 0);
  // Record byte 1 + c * 1024 + y * 32 + x is channel c (R, G, B) at row y, column x: NCHW as is.
  CHECK(d.images.sample(3)[1 * 1024 + 5 * 32 + 7] == static_cast<float>(pixel_byte(3, 1024 + 5 * 32 + 7)) / 255.0f);
}

TEST_CASE("cifar10: the test split is test_batch.bin") {
  TempDir dir("cifar");
  write_small_set(dir);
  bcnn::Dataset d = bcnn::load_cifar10(dir.str(), bcnn::Split::test);
  REQUIRE(d.size() == 3);
  CHECK(d.labels == std::vector<std::int32_t>{9, 0, 4});
  CHECK(d.images.sample(2)[3000] == static_cast<float>(pixel_byte(102, 3000)) / 255.0f);
  CHECK(contains(d.description, "cifar10 test"));
  // The training files are not needed for the test split.
  for (int b = 1; b <= 5; ++b) fs::remove(dir.file("data_batch_" + std::to_string(b) + ".bin"));
  CHECK(bcnn::load_cifar10(dir.str(), bcnn::Split::test).size() == 3);
}

TEST_CASE("cifar10: missing directory or files name them and the prepare script") {
  TempDir dir("cifar");
  const std::string absent = dir.file("no-such-dir");
  std::string message = error_message([&] { bcnn::load_dataset("cifar10", absent, bcnn::Split::train); });
  CHECK(message.rfind(absent + ": cifar10 files not found (the directory does not exist)", 0) == 0);
  CHECK(contains(message, "data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin"));
  CHECK(contains(message, "datasets/prepare_cifar10.sh " + absent));
  CHECK(contains(message, "--download"));

  write_small_set(dir);
  fs::remove(dir.file("data_batch_3.bin"));
  message = error_message([&] { bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::train); });
  CHECK(message == dir.str() + ": cifar10 files not found: looked for data_batch_3.bin; build them from the JPEG copy "
                               "with: datasets/prepare_cifar10.sh " + dir.str() +
                       " (or datasets/prepare_cifar10.sh --download " + dir.str() + " for the official files)");

  fs::remove(dir.file("test_batch.bin"));
  message = error_message([&] { bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::test); });
  CHECK(contains(message, "looked for test_batch.bin;"));
}

TEST_CASE("cifar10: a file whose size is not a positive multiple of 3073 bytes is named with both numbers") {
  TempDir dir("cifar");
  write_small_set(dir);
  const std::string path = dir.file("data_batch_4.bin");

  write_bytes(path, 2 * 3073 + 5);
  std::string message = error_message([&] { bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::train); });
  CHECK(message == path + ": 6151 bytes, expected a positive multiple of 3073 (records of 1 label byte + 3072 pixel "
                          "bytes); found 2 whole records and 5 bytes more (truncated or not a CIFAR-10 binary file?)");

  write_bytes(path, 0);
  message = error_message([&] { bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::train); });
  CHECK(message.rfind(path + ": 0 bytes, expected a positive multiple of 3073", 0) == 0);

  fs::remove(path);
  fs::create_directory(path);
  message = error_message([&] { bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::train); });
  CHECK(message == path + ": is a directory, expected a CIFAR-10 binary batch file");
}

TEST_CASE("cifar10: a label out of range names the file, the record and the value") {
  TempDir dir("cifar");
  write_small_set(dir);
  write_records(dir.file("data_batch_2.bin"), {2, 10, 4}, 2);
  std::string message = error_message([&] { bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::train); });
  CHECK(message == dir.file("data_batch_2.bin") + ": record 1 has label 10, expected 0 to 9");

  write_small_set(dir);
  write_records(dir.file("test_batch.bin"), {255}, 0);
  message = error_message([&] { bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::test); });
  CHECK(message == dir.file("test_batch.bin") + ": record 0 has label 255, expected 0 to 9");
}

TEST_CASE("cifar10: the fixture writer refuses pixels that do not match the labels") {
  TempDir dir("cifar");
  std::string message = error_message(
      [&] { bcnn::write_cifar_batch(dir.file("x.bin"), {1, 2}, std::vector<std::uint8_t>(3072)); });
  CHECK(contains(message, "2 labels need 6144 pixel bytes, found 3072"));
}

TEST_CASE("cifar10: the generated training fixture loads with every class present") {
  TempDir dir("cifar");
  bcnn::testing::write_cifar_fixture(dir.str(), 12, 20);
  bcnn::Dataset train = bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::train);
  bcnn::Dataset test = bcnn::load_dataset("cifar10", dir.str(), bcnn::Split::test);
  CHECK(train.size() == 60);
  CHECK(test.size() == 20);
  std::vector<int> counts(10, 0);
  for (int label : train.labels) ++counts[static_cast<std::size_t>(label)];
  for (int c = 0; c < 10; ++c) CHECK(counts[static_cast<std::size_t>(c)] > 0);
}
