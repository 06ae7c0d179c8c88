#pragma once
// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic number 0x0000TTRR
// (TT = element type, 0x08 for unsigned bytes; RR = rank), RR big-endian uint32 dimensions, then
// the elements. Files may be raw or gzip-compressed.
#include <cstdint>
#include <string>
#include <vector>

namespace bcnn {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;  // product(dims) elements
};

struct IdxHeader {
  std::vector<std::uint32_t> dims;
};

// Reads only the header of an unsigned-byte IDX file of rank `expected_rank` (cheap even for a
// large gzip file), so that callers can check dimensions before any data is inflated.
IdxHeader read_idx_header(const std::string& path, int expected_rank);

// Reads an unsigned-byte IDX file of rank `expected_rank`. Throws bcnn::Error naming `path` when
// the file is missing, is not IDX, has another element type or rank, or is shorter or longer than
// its header says. A header promising more than the file can hold (its size when raw, 1032 times
// its size when gzip) is refused before any data is read; trailing bytes are not inflated to be
// counted.
IdxArray read_idx(const std::string& path, int expected_rank);

// Writes an unsigned-byte IDX file (raw; gzip when `gzip` is set). For tests and fixtures.
void write_idx(const std::string& path, const IdxArray& array, bool gzip = false);

}  // namespace bcnn
