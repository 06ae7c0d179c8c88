#include "targets.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "data/cifar.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "io/model_file.h"
#include "net/json_reader.h"
#include "net/network.h"
#include "train/config.h"

namespace bcnn::fuzz {
namespace {

namespace fs = std::filesystem;

// The readers take paths, so every input becomes a file. A per-process directory in /dev/shm (RAM,
// when there is one) keeps that cheap; it is removed when the process exits normally.
class ScratchDir {
 public:
  ScratchDir() {
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    path_ = base / ("bcnn-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  // The sub-directory `name`, created on first use. Its files are overwritten by every input (the
  // harnesses always write the same names), which is much cheaper than a fresh directory.
  std::string sub(const std::string& name) const {
    const fs::path dir = path_ / name;
    fs::create_directories(dir);
    return dir.string();
  }

 private:
  fs::path path_;
};

const ScratchDir& scratch() {
  static const ScratchDir dir;
  return dir;
}

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  // The harness's own failure, not a finding in the reader: stop loudly.
  if (!out) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
}

// Runs `f`; a bcnn::Error is the reader refusing the input, which is a correct outcome.
template <class F>
void accept_or_refuse(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

// A valid IDX file of `count` items of `dims` beside the fuzzed one; the count follows the fuzzed
// file's header when it is small, so that the dataset's checks after the count check run too.
void write_valid_idx(const std::string& path, std::vector<std::uint32_t> dims) {
  IdxArray array;
  array.dims = std::move(dims);
  std::size_t n = 1;
  for (std::uint32_t d : array.dims) n *= d;
  array.data.resize(n);
  for (std::size_t i = 0; i < n; ++i) array.data[i] = static_cast<std::uint8_t>(i % 10);
  write_idx(path, array);
}

std::uint32_t small_count(const std::string& fuzzed_path, int rank, std::uint32_t limit) {
  try {
    const std::uint32_t count = read_idx_header(fuzzed_path, rank).dims[0];
    return count <= limit ? count : 1;
  } catch (const Error&) {
    return 1;
  }
}

}  // namespace

void idx_input(const std::uint8_t* data, std::size_t size) {
  const std::string dir = scratch().sub("idx");
  const std::string images = dir + "/t10k-images-idx3-ubyte";
  const std::string labels = dir + "/t10k-labels-idx1-ubyte";
  // The rank byte of a raw file picks the role; a gzip file (or anything else) plays the images.
  const bool as_labels = size >= 4 && data[3] == 1;
  const std::string& fuzzed = as_labels ? labels : images;
  write_file(fuzzed, data, size);
  // Read whole even when the dataset's checks would stop before the data (e.g. a large count).
  accept_or_refuse([&] { read_idx(fuzzed, as_labels ? 1 : 3); });
  if (as_labels) {
    write_valid_idx(images, {small_count(labels, 1, 64), 28, 28});
  } else {
    write_valid_idx(labels, {small_count(images, 3, 4096)});
  }
  accept_or_refuse([&] { load_dataset("mnist", dir, Split::test); });
}

void cifar_input(const std::uint8_t* data, std::size_t size) {
  const std::string dir = scratch().sub("cifar");
  write_file(dir + "/test_batch.bin", data, size);
  accept_or_refuse([&] { load_dataset("cifar10", dir, Split::test); });
}

void network_json_input(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  TrainConfig config;
  try {
    config = make_train_config(parse_json_text(text, "fuzz.json"), "fuzz.json", {});
  } catch (const Error&) {
    return;
  }
  // What bcnn-train writes as config.json and into every model.
  config.resolved.dump(2);
}

void model_file_input(const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch().sub("model") + "/model.h5";
  write_file(path, data, size);
  accept_or_refuse([&] { load_model(path); });
}

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
      {"idx", idx_input},
      {"cifar", cifar_input},
      {"network_json", network_json_input},
      {"model_file", model_file_input},
  };
  return targets;
}

}  // namespace bcnn::fuzz
