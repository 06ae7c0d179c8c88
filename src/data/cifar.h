#pragma once
// CIFAR-10 in its official "binary version" (Krizhevsky 2009): files data_batch_1.bin ..
// data_batch_5.bin (the training split, read in that order) and test_batch.bin, each a sequence of
// 3073-byte records: 1 label byte (0..9), then 1024 red, 1024 green and 1024 blue bytes, each
// plane a row-major 32x32 image. datasets/prepare_cifar10.sh builds that layout.
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace bcnn {

inline constexpr int cifar_side = 32;
inline constexpr int cifar_channels = 3;
inline constexpr int cifar_num_classes = 10;
inline constexpr int cifar_record_bytes = 1 + cifar_channels * cifar_side * cifar_side;  // 3073

// airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck (labels 0..9).
const std::vector<std::string>& cifar10_class_names();

// The file names of a split, in reading order.
std::vector<std::string> cifar10_files(Split split);

// Loads a split from `dir` as (N, 3, 32, 32) floats byte / 255. Throws bcnn::Error naming the
// directory and every missing file (and datasets/prepare_cifar10.sh), or the file whose size is
// not a positive multiple of 3073 bytes, or the file and record whose label is out of range.
Dataset load_cifar10(const std::string& dir, Split split);

// Writes records (label byte + 3072 pixel bytes each) to `path`; `pixels` holds 3072 bytes per
// label in the record's channel-plane order. For tests and fixtures.
void write_cifar_batch(const std::string& path, const std::vector<std::uint8_t>& labels,
                       const std::vector<std::uint8_t>& pixels);

}  // namespace bcnn
