#include "hw/resources.h"

#include <algorithm>

#include "hw/hw_layer.h"

namespace bcnn::hw {
namespace {

// Distributed ROM/RAM: one LUT6 holds 64 x 1 bits.
std::int64_t lutram_luts(std::int64_t depth, int width) { return ceil_div(depth, 64) * width; }

}  // namespace

void add_memory(Resources& r, std::int64_t banks, std::int64_t depth, int width) {
  const std::int64_t brams = bram18_for(depth, width);
  if (brams > 0) {
    r.bram18 += banks * brams;
    r.lut += banks * 20;  // address and output multiplexing
  } else {
    r.lut += banks * lutram_luts(depth, width);
  }
}

void add_uram_memory(Resources& r, std::int64_t banks, std::int64_t depth, int width) {
  r.uram += banks * uram_for(depth, width);
  r.lut += banks * 20;  // address and output multiplexing
}

// About depth / 3 LUT6 per bit and read port: 4:1 per LUT plus the F7/F8 muxes and the next level.
void add_register_array(Resources& r, std::int64_t depth, int width, int reads) {
  r.ff += depth * width;
  r.lut += reads * width * std::max<std::int64_t>(1, depth / 3);
}

void add_pixel_memory(Resources& r, std::int64_t banks, std::int64_t depth, int width) {
  if (depth > 64) {
    add_memory(r, banks, depth, width);
    return;
  }
  r.lut += banks * lutram_luts(depth, width);
}

void add_pixel_fifo(Resources& r, const std::vector<int>& shape, int width) {
  const int depth = pixel_fifo_depth(shape);
  const int channels = shape.empty() ? 1 : shape[0];
  add_pixel_memory(r, 1, depth, channels * width);
  r.lut += 2 * loop_control_lut;  // read and write pointers, full and empty flags
}

}  // namespace bcnn::hw
