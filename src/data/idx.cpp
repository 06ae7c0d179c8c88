#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/error.h"

namespace bcnn {
namespace {

constexpr std::uint8_t idx_type_unsigned_byte = 0x08;
// Reads larger than this are split: gzread takes an unsigned length and returns an int.
constexpr std::size_t read_chunk_bytes = std::size_t{1} << 24;
// No IDX file we load comes near this; a header promising more is corrupt, and refusing it
// avoids a huge allocation before the (certain) truncation error.
constexpr std::uint64_t max_payload_bytes = std::uint64_t{1} << 34;
// The largest expansion deflate can achieve (zlib's technical details: 1032:1 on long runs).
constexpr std::uint64_t max_deflate_ratio = 1032;

std::string hex_bytes(const unsigned char* bytes, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s = "0x";
  for (std::size_t i = 0; i < n; ++i) {
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 0xf];
  }
  return s;
}

std::string dims_string(const std::vector<std::uint32_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += "x";
    s += std::to_string(dims[i]);
  }
  return s;
}

// Owns a gzFile so that every error path closes it.
class GzFile {
 public:
  GzFile(const std::string& path, const char* mode) : file_(gzopen(path.c_str(), mode)) {}
  ~GzFile() {
    if (file_) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  gzFile get() const { return file_; }
  // Closing flushes a writer; its result is the only report of a failed final write.
  int close() {
    int status = gzclose(file_);
    file_ = nullptr;
    return status;
  }

 private:
  gzFile file_;
};

std::string gz_error_text(gzFile file) {
  int code = Z_OK;
  const char* text = gzerror(file, &code);
  if (code == Z_ERRNO) return std::strerror(errno);
  return text ? text : "unknown zlib error";
}

// Reads up to `n` bytes; returns how many arrived before the end of the data. A read error or
// corrupt gzip stream is an Error, not a short read, so that it is not reported as truncation.
std::size_t read_bytes(gzFile file, const std::string& path, unsigned char* out, std::size_t n) {
  std::size_t total = 0;
  while (total < n) {
    unsigned want = static_cast<unsigned>(std::min(n - total, read_chunk_bytes));
    int got = gzread(file, out + total, want);
    if (got < 0) throw Error(path + ": read failed: " + gz_error_text(file));
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  int code = Z_OK;
  gzerror(file, &code);
  if (code != Z_OK && code != Z_BUF_ERROR) throw Error(path + ": read failed: " + gz_error_text(file));
  return total;
}

// zlib flags a gzip stream cut off before its end with Z_BUF_ERROR; a short read without it is
// a complete stream (or raw file) that simply holds fewer bytes.
std::string gzip_cut_note(gzFile file) {
  int code = Z_OK;
  gzerror(file, &code);
  return code == Z_BUF_ERROR ? " (the gzip stream is cut off)" : "";
}

// Opens `path` and reads the magic number and the dimensions of an unsigned-byte IDX file of rank
// `expected_rank`, leaving `file` at the first data byte. Returns the dimensions.
std::vector<std::uint32_t> open_and_read_header(GzFile& file, const std::string& path, int expected_rank) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw Error(path + ": no such file");
  if (fs::is_directory(status)) throw Error(path + ": is a directory, expected an IDX file");

  if (!file.get()) throw Error(path + ": cannot open: " + std::strerror(errno));
  // Large reads inflate straight into the caller's buffer, so zlib's own buffers need not be large;
  // 32 KB (64 KB of output) keeps each open cheap, which matters to the fuzzer's many small files.
  gzbuffer(file.get(), 1 << 15);

  unsigned char magic[4];
  std::size_t got = read_bytes(file.get(), path, magic, 4);
  if (got < 4) {
    throw Error(path + ": not an IDX file: expected a 4-byte magic number, found " + std::to_string(got) +
                " bytes" + gzip_cut_note(file.get()));
  }
  unsigned char expected_magic[4] = {0, 0, idx_type_unsigned_byte, static_cast<unsigned char>(expected_rank)};
  if (magic[0] != 0 || magic[1] != 0) {
    throw Error(path + ": not an IDX file: magic number " + hex_bytes(magic, 4) + ", expected " +
                hex_bytes(expected_magic, 4));
  }
  if (magic[2] != idx_type_unsigned_byte) {
    throw Error(path + ": IDX element type " + hex_bytes(magic + 2, 1) + ", expected " +
                hex_bytes(expected_magic + 2, 1) + " (unsigned byte)");
  }
  if (magic[3] != expected_rank) {
    throw Error(path + ": IDX rank " + std::to_string(magic[3]) + ", expected " + std::to_string(expected_rank));
  }

  std::vector<std::uint32_t> dims(static_cast<std::size_t>(expected_rank));
  std::uint64_t payload_bytes = 1;
  for (int i = 0; i < expected_rank; ++i) {
    unsigned char b[4];
    got = read_bytes(file.get(), path, b, 4);
    if (got < 4) {
      throw Error(path + ": truncated header: expected " + std::to_string(expected_rank) +
                  " dimensions, file ends inside dimension " + std::to_string(i) +
                  gzip_cut_note(file.get()));
    }
    std::uint32_t d = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
                      std::uint32_t{b[3]};
    dims[static_cast<std::size_t>(i)] = d;
    if (d == 0) throw Error(path + ": dimension " + std::to_string(i) + " is 0, expected at least 1");
    payload_bytes *= d;
    if (payload_bytes > max_payload_bytes) {
      throw Error(path + ": header promises more than " + std::to_string(max_payload_bytes) +
                  " bytes (corrupt dimensions?)");
    }
  }
  return dims;
}

}  // namespace

IdxHeader read_idx_header(const std::string& path, int expected_rank) {
  GzFile file(path, "rb");
  return {open_and_read_header(file, path, expected_rank)};
}

IdxArray read_idx(const std::string& path, int expected_rank) {
  GzFile file(path, "rb");
  IdxArray array;
  array.dims = open_and_read_header(file, path, expected_rank);
  std::uint64_t payload_bytes = 1;
  for (std::uint32_t d : array.dims) payload_bytes *= d;

  // Bound the work by what the file can hold before reading: a raw file holds exactly its size, and
  // deflate expands at most 1032:1, so a small gzip file whose header promises gigabytes is refused
  // here instead of being inflated (a gzip bomb).
  std::error_code ec;
  const std::uint64_t file_bytes = std::filesystem::file_size(path, ec);
  if (!ec) {
    const std::uint64_t header_bytes = 4 + 4 * array.dims.size();
    const bool raw = gzdirect(file.get()) == 1;
    if (raw && file_bytes >= header_bytes && payload_bytes > file_bytes - header_bytes) {
      throw Error(path + ": truncated: header promises " + std::to_string(payload_bytes) + " data bytes (" +
                  dims_string(array.dims) + "), found " + std::to_string(file_bytes - header_bytes));
    }
    // (A file beyond max_payload_bytes / max_deflate_ratio bytes can hold any accepted promise.)
    if (!raw && file_bytes <= max_payload_bytes / max_deflate_ratio && payload_bytes > max_deflate_ratio * file_bytes) {
      throw Error(path + ": header promises " + std::to_string(payload_bytes) + " data bytes (" +
                  dims_string(array.dims) + "), more than this " + std::to_string(file_bytes) +
                  "-byte gzip file can hold (deflate expands at most " + std::to_string(max_deflate_ratio) +
                  ":1); expected at most " + std::to_string(max_deflate_ratio * file_bytes) +
                  " (truncated or corrupt file?)");
    }
  }

  // Grow the buffer as data arrives so that a header promising far more than the file holds
  // costs no more memory than the file.
  std::size_t expected = static_cast<std::size_t>(payload_bytes);
  std::size_t found = 0;
  while (found < expected) {
    std::size_t step = std::min(expected - found, read_chunk_bytes);
    array.data.resize(found + step);
    std::size_t n = read_bytes(file.get(), path, array.data.data() + found, step);
    found += n;
    if (n < step) break;
  }
  if (found < expected) {
    throw Error(path + ": truncated: header promises " + std::to_string(expected) + " data bytes (" +
                dims_string(array.dims) + "), found " + std::to_string(found) + gzip_cut_note(file.get()));
  }
  // One bounded read decides: inflating the rest of a long gzip stream only to count it would
  // itself be the bomb.
  unsigned char extra[4096];
  const std::size_t trailing = read_bytes(file.get(), path, extra, sizeof extra);
  if (trailing > 0) {
    const std::string count = trailing < sizeof extra ? std::to_string(trailing)
                                                      : "at least " + std::to_string(trailing);
    throw Error(path + ": " + count + " bytes after the data: header promises " + std::to_string(expected) +
                " data bytes (" + dims_string(array.dims) + "), found " +
                (trailing < sizeof extra ? "" : "at least ") + std::to_string(expected + trailing));
  }
  return array;
}

void write_idx(const std::string& path, const IdxArray& array, bool gzip) {
  if (array.dims.empty() || array.dims.size() > 255) {
    throw Error(path + ": cannot write IDX of rank " + std::to_string(array.dims.size()) + ", expected 1 to 255");
  }
  std::uint64_t expected = 1;
  for (std::uint32_t d : array.dims) expected *= d;
  if (expected != array.data.size()) {
    throw Error(path + ": cannot write IDX: dimensions " + dims_string(array.dims) + " promise " +
                std::to_string(expected) + " bytes, data has " + std::to_string(array.data.size()));
  }

  // "T" makes zlib write the bytes through unchanged.
  GzFile file(path, gzip ? "wb" : "wbT");
  if (!file.get()) throw Error(path + ": cannot open for writing: " + std::strerror(errno));

  std::vector<unsigned char> header;
  header.insert(header.end(), {0, 0, idx_type_unsigned_byte, static_cast<unsigned char>(array.dims.size())});
  for (std::uint32_t d : array.dims) {
    header.insert(header.end(), {static_cast<unsigned char>(d >> 24), static_cast<unsigned char>(d >> 16),
                                 static_cast<unsigned char>(d >> 8), static_cast<unsigned char>(d)});
  }
  auto write_all = [&](const unsigned char* bytes, std::size_t n) {
    for (std::size_t done = 0; done < n;) {
      unsigned want = static_cast<unsigned>(std::min(n - done, read_chunk_bytes));
      int wrote = gzwrite(file.get(), bytes + done, want);
      if (wrote <= 0) throw Error(path + ": write failed: " + gz_error_text(file.get()));
      done += static_cast<std::size_t>(wrote);
    }
  };
  write_all(header.data(), header.size());
  write_all(array.data.data(), array.data.size());
  if (file.close() != Z_OK) throw Error(path + ": write failed when closing the file");
}

}  // namespace bcnn
