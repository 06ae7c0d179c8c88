#pragma once
// What the pooling kinds share: the window of maxpool2d and avgpool2d (a kernel and a stride over
// a pixel stream, no padding; bcnn_hls/window.h), its line buffer in the estimate, and the two
// constants of averaging (avgpool2d, global_avgpool): the exact accumulator of a sum of n inputs
// and the stored reciprocal 1 / n.
#include <cstdint>
#include <string>

#include "hw/hw_layer.h"

namespace bcnn {
struct WindowGeometry;
}

namespace bcnn::hw {

struct PoolWindow {
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int taps() const { return kernel_h * kernel_w; }
};

// The window of a float pooling layer; fails (ctx) when it has padding, which pools never have.
PoolWindow pool_window_of(const WindowGeometry& g, const std::string& layer, const QuantContext& ctx);

// "2 x 2 / 2" (kernel, stride), for the report.
std::string pool_window_spec(const PoolWindow& w);

// validate(): q reads (C, H, W) and writes (C, (H - kh) / sh + 1, (W - kw) / sw + 1), n_in and
// n_out agree, and the window is positive and fits the map.
void require_pool_shapes(const QuantLayer& q, const PoolWindow& w);

// kernel_h, kernel_w, stride_h, stride_w for a window kind's template.
void add_pool_window_values(TemplateValues& v, const PoolWindow& w);

// The window protocol of bcnn_hls/window.h: every input pixel is read once (a cycle each) and
// every output pixel computed once (ceil(C / lanes) cycles each) in one pipelined loop of depth
// `depth`, so an image takes H * W + out_h * out_w ceil(C / lanes) + depth cycles; the line buffer is
// kernel_h rows of W pixels in kernel_h * kernel_w banks, the output pixel assembled in registers.
StageEstimate pool_window_estimate(const QuantLayer& q, const PoolWindow& w, std::string_view type, int lanes,
                                   int depth);

// The exact accumulator of a sum of `terms` values of q.in: F = F_in, |sum| <= terms 2^(I_in-1);
// the override of q.name.acc when given. Recorded.
FixedFormat choose_sum_format(QuantContext& ctx, const QuantLayer& q, std::int64_t terms);

// The stored constant 1 / count: weight width (ctx.options().weight_width), the fewest integer
// bits that hold it (exact when count is a power of two that fits); the override of q.name.scale
// when given. Recorded; `raw` receives its value.
FixedFormat choose_reciprocal(QuantContext& ctx, const QuantLayer& q, std::int64_t count, std::int64_t& raw);

// validate() of an averaging kind: acc and scale are valid formats, scale_raw fits, and the
// kernel's exact intermediates (acc + in, acc * scale) fit in 64 bits.
void require_average_formats(const QuantLayer& q, const FixedFormat& acc, const FixedFormat& scale,
                             std::int64_t scale_raw);
// check_widths() of an averaging kind: the same two intermediates, refused at compile time.
void require_average_widths(const QuantLayer& q, const QuantContext& ctx, const FixedFormat& acc,
                            const FixedFormat& scale);

}  // namespace bcnn::hw
