#pragma once
// The entry functions of the fuzz harnesses: each feeds one input (the bytes of a file) to one of
// bcnn's readers the way the tools do. Each returns normally when the reader accepts the input or
// refuses it with a bcnn::Error; anything else (another exception, a crash, a sanitizer report) is a
// finding. The libFuzzer mains (fuzz_main.cpp) and the regression test of the normal suite
// (test_fuzz_regressions.cpp) call the same functions, so that every kept crash input is re-checked
// forever with the code the fuzzer ran.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace bcnn::fuzz {

// The input as an IDX file, raw or gzip: labels when its rank byte says 1, images otherwise. Read
// whole, then loaded as the MNIST test split beside a valid file of the other kind whose count
// follows the input's header when it is small (so that the dataset's header checks, count check and
// label range check run too).
void idx_input(const std::uint8_t* data, std::size_t size);

// The input as CIFAR-10's test_batch.bin, loaded as the cifar10 test split.
void cifar_input(const std::uint8_t* data, std::size_t size);

// The input as the text of a network configuration: parsed, validated and resolved as bcnn-train
// does (network and "train" object), and the resolved description written out.
void network_json_input(const std::uint8_t* data, std::size_t size);

// The input as a model file (HDF5): loaded as bcnn-eval and bcnn-compile do.
void model_file_input(const std::uint8_t* data, std::size_t size);

struct FuzzTarget {
  std::string_view name;  // also the folder of its crash inputs: tests/fuzz/regressions/<name>/
  void (*run)(const std::uint8_t* data, std::size_t size);
};

// Every harness, by name.
const std::vector<FuzzTarget>& fuzz_targets();

}  // namespace bcnn::fuzz
