#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli.h"
#include "core/error.h"
#include "data/idx.h"

namespace {

using bcnn::testing::error_message;
using bcnn::testing::TempDir;

namespace fs = std::filesystem;

void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bcnn::IdxArray pattern_array(std::vector<std::uint32_t> dims) {
  bcnn::IdxArray a;
  a.dims = std::move(dims);
  std::size_t n = 1;
  for (std::uint32_t d : a.dims) n *= d;
  a.data.resize(n);
  for (std::size_t i = 0; i < n; ++i) a.data[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
  return a;
}

// A raw IDX file whose header and payload are given separately, so that they can disagree.
void write_raw_idx(const std::string& path, std::vector<unsigned char> magic, const std::vector<std::uint32_t>& dims,
                   std::size_t payload_bytes) {
  std::vector<unsigned char> bytes = std::move(magic);
  for (std::uint32_t d : dims) {
    bytes.insert(bytes.end(), {static_cast<unsigned char>(d >> 24), static_cast<unsigned char>(d >> 16),
                               static_cast<unsigned char>(d >> 8), static_cast<unsigned char>(d)});
  }
  bytes.resize(bytes.size() + payload_bytes, 7);
  write_bytes(path, bytes);
}

void write_gzip_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  CHECK(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(file) == Z_OK);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("idx: raw round trip keeps dims and bytes, and the file is plain IDX") {
  TempDir dir;
  const std::string path = dir.file("a-idx3-ubyte");
  bcnn::IdxArray a = pattern_array({3, 4, 5});
  bcnn::write_idx(path, a);

  std::vector<unsigned char> bytes = read_bytes(path);
  REQUIRE(bytes.size() == 4 + 3 * 4 + 60);
  CHECK(std::vector<unsigned char>(bytes.begin(), bytes.begin() + 8) ==
        std::vector<unsigned char>{0, 0, 0x08, 3, 0, 0, 0, 3});

  bcnn::IdxArray b = bcnn::read_idx(path, 3);
  CHECK(b.dims == a.dims);
  CHECK(b.data == a.data);
}

TEST_CASE("idx: gzip round trip writes a gzip stream and reads it back") {
  TempDir dir;
  const std::string path = dir.file("a-idx1-ubyte.gz");
  bcnn::IdxArray a = pattern_array({1000});
  bcnn::write_idx(path, a, true);

  std::vector<unsigned char> bytes = read_bytes(path);
  REQUIRE(bytes.size() > 2);
  CHECK(bytes[0] == 0x1f);
  CHECK(bytes[1] == 0x8b);

  bcnn::IdxArray b = bcnn::read_idx(path, 1);
  CHECK(b.dims == a.dims);
  CHECK(b.data == a.data);
}

TEST_CASE("idx: a missing file or a directory is named") {
  TempDir dir;
  const std::string path = dir.file("nothing-here");
  std::string message = error_message([&] { bcnn::read_idx(path, 1); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "no such file"));

  message = error_message([&] { bcnn::read_idx(dir.path().string(), 1); });
  CHECK(message.rfind(dir.path().string() + ":", 0) == 0);
  CHECK(contains(message, "directory"));
}

TEST_CASE("idx: a bad magic number says what was expected and found") {
  TempDir dir;
  const std::string path = dir.file("bad-magic");
  write_raw_idx(path, {0x01, 0x02, 0x08, 0x03}, {1, 2, 2}, 4);
  std::string message = error_message([&] { bcnn::read_idx(path, 3); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "not an IDX file"));
  CHECK(contains(message, "0x01020803"));
  CHECK(contains(message, "expected 0x00000803"));
}

TEST_CASE("idx: a file shorter than the magic number") {
  TempDir dir;
  const std::string path = dir.file("tiny");
  write_bytes(path, {0, 0});
  std::string message = error_message([&] { bcnn::read_idx(path, 1); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "4-byte magic number"));
  CHECK(contains(message, "found 2 bytes"));
}

TEST_CASE("idx: another element type is refused") {
  TempDir dir;
  const std::string path = dir.file("floats");
  write_raw_idx(path, {0, 0, 0x0d, 1}, {4}, 16);
  std::string message = error_message([&] { bcnn::read_idx(path, 1); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "element type 0x0d"));
  CHECK(contains(message, "expected 0x08"));
}

TEST_CASE("idx: another rank is refused") {
  TempDir dir;
  const std::string path = dir.file("labels");
  bcnn::write_idx(path, pattern_array({6}));
  std::string message = error_message([&] { bcnn::read_idx(path, 3); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "rank 1, expected 3"));
}

TEST_CASE("idx: a header cut inside the dimensions or with a zero dimension") {
  TempDir dir;
  const std::string cut = dir.file("cut-header");
  write_bytes(cut, {0, 0, 0x08, 3, 0, 0, 0, 5, 0, 0});
  std::string message = error_message([&] { bcnn::read_idx(cut, 3); });
  CHECK(message.rfind(cut + ":", 0) == 0);
  CHECK(contains(message, "expected 3 dimensions"));
  CHECK(contains(message, "dimension 1"));

  const std::string zero = dir.file("zero-dim");
  write_raw_idx(zero, {0, 0, 0x08, 2}, {4, 0}, 0);
  message = error_message([&] { bcnn::read_idx(zero, 2); });
  CHECK(message.rfind(zero + ":", 0) == 0);
  CHECK(contains(message, "dimension 1 is 0"));
}

TEST_CASE("idx: a truncated payload reports expected and found byte counts") {
  TempDir dir;
  const std::string raw = dir.file("train-images-idx3-ubyte");
  write_raw_idx(raw, {0, 0, 0x08, 3}, {10, 28, 28}, 1000);
  std::string message = error_message([&] { bcnn::read_idx(raw, 3); });
  CHECK(message.rfind(raw + ": truncated", 0) == 0);
  CHECK(contains(message, "header promises 7840 data bytes (10x28x28)"));
  CHECK(contains(message, "found 1000"));

  // A complete gzip stream around the same short file is the same truncation.
  const std::string gz = dir.file("train-images-idx3-ubyte.gz");
  write_gzip_bytes(gz, read_bytes(raw));
  message = error_message([&] { bcnn::read_idx(gz, 3); });
  CHECK(message.rfind(gz + ": truncated", 0) == 0);
  CHECK(contains(message, "header promises 7840 data bytes (10x28x28)"));
  CHECK(contains(message, "found 1000"));
}

TEST_CASE("idx: a gzip stream cut off mid-way is reported, not read as a short file") {
  TempDir dir;
  const std::string path = dir.file("cut.gz");
  bcnn::write_idx(path, pattern_array({20000}), true);
  std::vector<unsigned char> bytes = read_bytes(path);
  bytes.resize(bytes.size() / 2);
  write_bytes(path, bytes);
  std::string message = error_message([&] { bcnn::read_idx(path, 1); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "cut off"));
}

TEST_CASE("idx: bytes after the payload are refused") {
  TempDir dir;
  const std::string path = dir.file("long");
  write_raw_idx(path, {0, 0, 0x08, 1}, {10}, 15);
  std::string message = error_message([&] { bcnn::read_idx(path, 1); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "5 bytes after the data"));
  CHECK(contains(message, "header promises 10 data bytes"));
  CHECK(contains(message, "found 15"));
}

TEST_CASE("idx: a gzip file cannot promise more than deflate expands to, and is refused before inflating") {
  TempDir dir;
  const std::string path = dir.file("bomb.gz");
  // 4,000,000 images of 28x28 promised; 1 MiB of zeros follow, about 1 KB once compressed.
  std::vector<unsigned char> bytes = {0, 0, 0x08, 3, 0x00, 0x3d, 0x09, 0x00, 0, 0, 0, 28, 0, 0, 0, 28};
  bytes.resize(bytes.size() + (std::size_t{1} << 20), 0);
  write_gzip_bytes(path, bytes);
  const std::string size = std::to_string(fs::file_size(path));
  std::string message = error_message([&] { bcnn::read_idx(path, 3); });
  CHECK(message.rfind(path + ": header promises 3136000000 data bytes (4000000x28x28), more than this " + size +
                          "-byte gzip file can hold (deflate expands at most 1032:1)",
                      0) == 0);
}

TEST_CASE("idx: a long gzip stream after the data is not inflated to be counted") {
  TempDir dir;
  const std::string path = dir.file("long.gz");
  std::vector<unsigned char> bytes = {0, 0, 0x08, 1, 0, 0, 0, 10};
  bytes.resize(bytes.size() + 10 + (std::size_t{32} << 20), 0);
  write_gzip_bytes(path, bytes);
  std::string message = error_message([&] { bcnn::read_idx(path, 1); });
  CHECK(message.rfind(path + ": at least 4096 bytes after the data: header promises 10 data bytes (10), found at "
                             "least 4106",
                      0) == 0);
}

TEST_CASE("idx: write_idx refuses data that disagrees with its dims") {
  TempDir dir;
  const std::string path = dir.file("bad-write");
  bcnn::IdxArray a = pattern_array({2, 3});
  a.data.pop_back();
  std::string message = error_message([&] { bcnn::write_idx(path, a); });
  CHECK(message.rfind(path + ":", 0) == 0);
  CHECK(contains(message, "promise 6 bytes"));
  CHECK(contains(message, "data has 5"));
}
