#pragma once
// The knob `lanes` of the element-wise kinds (relu, batchnorm, maxpool2d, avgpool2d,
// global_avgpool). On pixel streams: the channels of a pixel computed per cycle, 1..C (it need not
// divide C). Per pixel the kernel's channel loop is pipelined at II=1 and unrolled by `lanes`, so a
// pixel takes ceil(C / lanes) cycles plus the depth of that pipeline; the pixel stays one stream
// word. On arrays (relu, batchnorm): the elements per cycle, 1..n, the arrays partitioned into
// `lanes` cyclic banks. The default is 1, and the kinds are balanced by default: before a target
// is given, the cheapest lanes whose II stays within the slowest other stage. docs/compile.md,
// "Parallelism".
#include <cstdint>
#include <functional>
#include <string>

#include "hw/hw_layer.h"

namespace bcnn::hw {

// The channel count of q: the first dimension of its input shape (0 when it has none).
int lanes_channels(const QuantLayer& q);
// The most lanes q can have: its channels on pixels, its elements on an array.
int lanes_limit(const QuantLayer& q);

// apply_parallelism() of a lanes kind: `lanes` from --knob LAYER.lanes=N or --parallelism LAYER=N
// (N lanes), in 1..lanes_limit(q).
void apply_lanes(const LayerParallelism& p, QuantLayer& q, int& lanes);

// The cycles of the pixel loop: ceil(C / lanes) cycles per pixel in one loop pipelined over pixels
// and channel groups, plus its pipeline depth `depth` once.
std::int64_t lanes_pixel_cycles(std::int64_t pixels, std::int64_t channels, int lanes, int depth);

// LUTs of the multiplexers that pick `lanes` channels of `width` bits out of a pixel of `channels`
// channels at the channel loop's index (none when lanes >= channels).
std::int64_t lanes_mux_lut(std::int64_t channels, int lanes, int width);

// The cycles of the array loop: ceil(n / lanes) and its pipeline depth.
std::int64_t lanes_array_cycles(std::int64_t n, int lanes, int depth);

// The report's "parallelism" cell: "N lanes of C channels" on pixels, "N elements per cycle" on
// arrays.
std::string lanes_cell(const QuantLayer& q, int lanes);

// choose_parallelism() of a lanes kind: the fewest lanes of powers_of_two_and(lanes_limit) whose
// II is at most target_ii; when none reaches it, the fewest within 5% of the best II, and
// out_of_reach. (choose_cheapest_knobs ranks by DSPs and BRAMs, then II: for kinds whose cost is
// LUTs, as the pools', it would take the most lanes.)
void choose_lanes(const HwLayer& kind, QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                  const std::function<void(std::int64_t)>& out_of_reach);

// balance() of a lanes kind: the fewest lanes (the cheapest: every resource rises with lanes)
// whose II is at most target_ii, else lanes_limit.
void balance_lanes(const HwLayer& kind, QuantLayer& q, const FpgaPart& part, std::int64_t target_ii);

}  // namespace bcnn::hw
