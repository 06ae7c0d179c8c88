#pragma once
// The pieces of the analytical hardware model that every kind's estimate is summed from
// (docs/estimator.md): the model constants, memories (BRAM or LUT RAM), register arrays and the
// dataflow channels between stages.
#include <cstdint>
#include <vector>

#include "hls/estimate.h"

namespace bcnn::hw {

// --- model constants (docs/estimator.md, "Constants") ------------------------------------------
constexpr int loop_depth = 2;        // pipeline depth of a copy / convert loop
constexpr int butterfly_depth = 6;   // read, multiply (3), add, shift and convert
constexpr int mac_depth = 7;         // ROM read (2), multiply (3), add, accumulate
constexpr int dense_depth = 4;       // multiply (3), accumulate; plus the adder tree, log2(M)
constexpr int call_overhead = 2;     // ap_start to the first loop, last loop to ap_done
constexpr int loop_control_lut = 40, loop_control_ff = 40;

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// A memory of `banks` banks of depth x width: BRAM when a bank reaches the threshold, else LUTs.
void add_memory(Resources& r, std::int64_t banks, std::int64_t depth, int width);

// The same memory in UltraRAM (URAM288, 4096 x 72 per block, whatever its size).
void add_uram_memory(Resources& r, std::int64_t banks, std::int64_t depth, int width);

// A register array of `depth` words (complete partition) read at `reads` dynamic indices per
// cycle: depth * width flip-flops, and a depth:1 multiplexer per bit and read port.
void add_register_array(Resources& r, std::int64_t depth, int width, int reads);

// The buffer between two dataflow processes: a ping-pong pair of n-word arrays.
inline void add_channel(Resources& r, std::int64_t n, int width) { add_memory(r, 2, n, width); }

// A memory of pixel-wide words (C channels side by side): shallow ones (depth <= 64) are LUT RAM
// (one LUT6 per bit and 64 words; a FIFO of depth <= 32 is a shift register, SRL32, alike), deeper
// ones BRAM (add_memory).
void add_pixel_memory(Resources& r, std::int64_t banks, std::int64_t depth, int width);

// The FIFO of a feature map's pixel stream: pixel_fifo_depth(shape) pixels of C channels of
// `width` bits each (hw_layer.h).
void add_pixel_fifo(Resources& r, const std::vector<int>& shape, int width);

}  // namespace bcnn::hw
