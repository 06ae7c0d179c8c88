#include "hw/pool_window.h"

#include <cmath>

#include "hw/fixed_format.h"
#include "hw/lanes.h"
#include "hw/resources.h"
#include "layers/conv_geometry.h"

namespace bcnn::hw {

PoolWindow pool_window_of(const WindowGeometry& g, const std::string& layer, const QuantContext& ctx) {
  if (g.pad_top || g.pad_left || g.pad_bottom || g.pad_right)
    ctx.fail("layer " + layer + ": a pooling window with padding has no hardware (pools read no padding)");
  return {g.kernel_h, g.kernel_w, g.stride_h, g.stride_w};
}

std::string pool_window_spec(const PoolWindow& w) {
  return std::to_string(w.kernel_h) + " x " + std::to_string(w.kernel_w) + " / " + std::to_string(w.stride_h) +
         " x " + std::to_string(w.stride_w);
}

void require_pool_shapes(const QuantLayer& q, const PoolWindow& w) {
  require(w.kernel_h >= 1 && w.kernel_w >= 1 && w.stride_h >= 1 && w.stride_w >= 1, q,
          "the window " + pool_window_spec(w) + " must have a positive kernel and stride");
  require(q.in_shape.size() == 3 && q.in_shape[0] >= 1 && q.in_shape[1] >= w.kernel_h && q.in_shape[2] >= w.kernel_w,
          q, "expected a (C, H, W) input at least as large as the window " + pool_window_spec(w));
  const int C = q.in_shape[0], H = q.in_shape[1], W = q.in_shape[2];
  const std::vector<int> out{C, (H - w.kernel_h) / w.stride_h + 1, (W - w.kernel_w) / w.stride_w + 1};
  require(q.out_shape == out, q,
          "expected the output shape (" + std::to_string(out[0]) + ", " + std::to_string(out[1]) + ", " +
              std::to_string(out[2]) + ") of the window " + pool_window_spec(w));
  require(q.n_in == C * H * W && q.n_out == out[0] * out[1] * out[2], q, "n_in and n_out must match the shapes");
}

void add_pool_window_values(TemplateValues& v, const PoolWindow& w) {
  v.set("kernel_h", w.kernel_h).set("kernel_w", w.kernel_w).set("stride_h", w.stride_h).set("stride_w", w.stride_w);
}

StageEstimate pool_window_estimate(const QuantLayer& q, const PoolWindow& w, std::string_view type, int lanes,
                                   int depth) {
  StageEstimate s;
  s.name = q.name;
  s.type = std::string(type);
  s.parallelism = "window " + pool_window_spec(w) + ", " + lanes_cell(q, lanes);
  s.assumes = {{"lanes", lanes}};
  const std::int64_t C = q.in_shape[0], H = q.in_shape[1], W = q.in_shape[2];
  const std::int64_t out_h = q.out_shape[1], out_w = q.out_shape[2];
  // One pipelined loop (bcnn_hls/window.h, window_schedule): a cycle per input pixel stored,
  // ceil(C / lanes) per output pixel, one pipeline depth.
  s.latency_cycles = call_overhead + H * W + lanes_pixel_cycles(out_h * out_w, C, lanes, depth);
  s.ii_cycles = s.latency_cycles;
  add_pixel_memory(s.resources, w.taps(), ceil_div(W, w.kernel_w), static_cast<int>(C * q.in.width));
  // Each tap's `lanes` channels picked from its pixel; the output pixel in registers.
  s.resources.lut += w.taps() * lanes_mux_lut(C, lanes, q.in.width) + 3 * loop_control_lut;
  s.resources.ff += (lanes < C ? C * q.out.width : 0) + 3 * loop_control_ff;
  return s;
}

FixedFormat choose_sum_format(QuantContext& ctx, const QuantLayer& q, std::int64_t terms) {
  if (auto o = ctx.override_of(q.name, "acc")) {
    ctx.record(q.name, "acc", *o, "override", format_min(*o), format_max(*o), true);
    return *o;
  }
  const int fraction = q.in.fraction_bits();
  const int128 bound = static_cast<int128>(terms) << (q.in.width - 1);  // raw, 2^-fraction units
  const int width = std::max(width_for_raw_bound(bound), fraction + 1);
  if (width > 64)
    ctx.fail("layer " + q.name + " acc: impossible format: the exact sum of " + std::to_string(terms) +
             " inputs needs " + std::to_string(width) + " bits, at most 64 are possible: narrow " + q.name + ".in");
  const FixedFormat acc = exact_format(width, width - fraction);
  const double covered = std::ldexp(static_cast<double>(bound), -fraction);
  ctx.record(q.name, "acc", acc,
             "exact: F = F_in, |acc| <= " + std::to_string(terms) + " 2^(I_in-1) (a sum of " + std::to_string(terms) +
                 " inputs)",
             -covered, covered, false);
  return acc;
}

FixedFormat choose_reciprocal(QuantContext& ctx, const QuantLayer& q, std::int64_t count, std::int64_t& raw) {
  const double value = 1.0 / static_cast<double>(count);
  const int width = ctx.options().weight_width;
  const FixedFormat scale =
      ctx.choose_constant(q.name, "scale", data_format(width, integer_bits_for_range(0, value, width)),
                          "covers 1/" + std::to_string(count), 0, value);
  raw = bcnn_hls::from_double(value, scale);
  return scale;
}

void require_average_formats(const QuantLayer& q, const FixedFormat& acc, const FixedFormat& scale,
                             std::int64_t scale_raw) {
  require_format(q, acc, "acc");
  require_format(q, scale, "scale");
  require_raw(q, {scale_raw}, 1, scale, "scale");
  require_exact_width(q, bcnn_hls::sum_format(acc, q.in), "the sum (acc + in)");
  require_exact_width(q, bcnn_hls::product_format(acc, scale), "the product acc * scale");
}

void require_average_widths(const QuantLayer& q, const QuantContext& ctx, const FixedFormat& acc,
                            const FixedFormat& scale) {
  ctx.require_width(q.name, bcnn_hls::sum_format(acc, q.in), "the sum acc + x", q.name + ".acc or " + q.name + ".in");
  ctx.require_width(q.name, bcnn_hls::product_format(acc, scale), "the product acc * scale",
                    q.name + ".acc or " + q.name + ".scale");
}

}  // namespace bcnn::hw
