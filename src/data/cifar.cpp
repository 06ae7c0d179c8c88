#include "data/cifar.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "core/strings.h"

namespace bcnn {
namespace {

namespace fs = std::filesystem;

constexpr const char* prepare_script = "datasets/prepare_cifar10.sh";
constexpr int cifar_image_bytes = cifar_record_bytes - 1;
// Records are converted a slice at a time so that reading needs no second copy of the file.
constexpr std::size_t read_chunk_records = 1024;

// The number of records in `path`, after checking that it is a regular file of a positive
// multiple of cifar_record_bytes.
std::int64_t count_records(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path + ": is a directory, expected a CIFAR-10 binary batch file");
  const std::uintmax_t bytes = fs::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read its size: " + ec.message());
  if (bytes == 0 || bytes % cifar_record_bytes != 0) {
    const std::uintmax_t whole = bytes / cifar_record_bytes;
    throw Error(path + ": " + std::to_string(bytes) + " bytes, expected a positive multiple of " +
                std::to_string(cifar_record_bytes) + " (records of 1 label byte + 3072 pixel bytes); found " +
                std::to_string(whole) + " whole records and " + std::to_string(bytes % cifar_record_bytes) +
                " bytes more (truncated or not a CIFAR-10 binary file?)");
  }
  return static_cast<std::int64_t>(bytes / cifar_record_bytes);
}

}  // namespace

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

std::vector<std::string> cifar10_files(Split split) {
  if (split == Split::test) return {"test_batch.bin"};
  return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
}

Dataset load_cifar10(const std::string& dir, Split split) {
  const std::vector<std::string> names = cifar10_files(split);
  std::vector<std::string> missing;
  std::vector<std::string> paths;
  for (const std::string& name : names) {
    std::error_code ec;
    const std::string path = (fs::path(dir) / name).string();
    if (!fs::exists(path, ec)) missing.push_back(name);
    paths.push_back(path);
  }
  if (!missing.empty()) {
    std::error_code ec;
    const std::string where = fs::is_directory(dir, ec) ? "" : " (the directory does not exist)";
    throw Error(dir + ": cifar10 files not found" + where + ": looked for " + join(missing, ", ") +
                "; build them from the JPEG copy with: " + prepare_script + " " + dir + " (or " + prepare_script +
                " --download " + dir + " for the official files)");
  }

  std::vector<std::int64_t> counts;
  std::int64_t total = 0;
  for (const std::string& path : paths) {
    counts.push_back(count_records(path));
    total += counts.back();
  }
  if (total > std::numeric_limits<int>::max())
    throw Error(dir + ": " + std::to_string(total) + " records, more than this program can index");

  Dataset dataset;
  dataset.images.resize(static_cast<int>(total), {cifar_channels, cifar_side, cifar_side});
  dataset.labels.resize(static_cast<std::size_t>(total));
  std::vector<unsigned char> buffer(read_chunk_records * cifar_record_bytes);
  std::int64_t next = 0;  // index of the next image in the dataset
  for (std::size_t f = 0; f < paths.size(); ++f) {
    const std::string& path = paths[f];
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
    for (std::int64_t done = 0; done < counts[f];) {
      const std::int64_t records = std::min<std::int64_t>(read_chunk_records, counts[f] - done);
      in.read(reinterpret_cast<char*>(buffer.data()), records * cifar_record_bytes);
      if (in.gcount() != records * cifar_record_bytes)
        throw Error(path + ": read failed after " + std::to_string(done * cifar_record_bytes + in.gcount()) + " of " +
                    std::to_string(counts[f] * cifar_record_bytes) + " bytes");
      for (std::int64_t r = 0; r < records; ++r) {
        const unsigned char* record = buffer.data() + r * cifar_record_bytes;
        if (record[0] >= cifar_num_classes)
          throw Error(path + ": record " + std::to_string(done + r) + " has label " + std::to_string(record[0]) +
                      ", expected 0 to " + std::to_string(cifar_num_classes - 1));
        dataset.labels[static_cast<std::size_t>(next)] = record[0];
        float* out = dataset.images.sample(static_cast<int>(next));
        for (int p = 0; p < cifar_image_bytes; ++p) out[p] = static_cast<float>(record[1 + p]) / 255.0f;
        ++next;
      }
      done += records;
    }
  }

  dataset.num_classes = cifar_num_classes;
  dataset.class_names = cifar10_class_names();
  dataset.description = std::string("cifar10 ") + (split == Split::train ? "train" : "test") + " (" + dir + ")";
  return dataset;
}

void write_cifar_batch(const std::string& path, const std::vector<std::uint8_t>& labels,
                       const std::vector<std::uint8_t>& pixels) {
  if (pixels.size() != labels.size() * cifar_image_bytes)
    throw Error(path + ": cannot write CIFAR-10 records: " + std::to_string(labels.size()) + " labels need " +
                std::to_string(labels.size() * cifar_image_bytes) + " pixel bytes, found " +
                std::to_string(pixels.size()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path + ": cannot open for writing: " + std::strerror(errno));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out.put(static_cast<char>(labels[i]));
    out.write(reinterpret_cast<const char*>(pixels.data() + i * cifar_image_bytes), cifar_image_bytes);
  }
  out.close();
  if (!out) throw Error(path + ": write failed");
}

}  // namespace bcnn
