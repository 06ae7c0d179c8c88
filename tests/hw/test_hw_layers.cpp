// One harness over every registered hardware kind (src/hw/registry.cpp): each row builds a small
// layer of its kind with narrow formats (rounding ties, saturation and wrap-around are frequent),
// and the harness checks the kind's emulation against its bcnn_hls kernel compiled into this test
// (C simulation) bit for bit, the sanity of its estimate and parallelism, and what it writes into
// a generated project. A registered kind without a row fails the first test: adding a kind means
// adding its row here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bcnn_hls/bcnn_hls.h"
#include "core/random.h"
#include "hls/estimate.h"
#include "hw/bc_conv2d.h"
#include "hw/avgpool2d.h"
#include "hw/batchnorm.h"
#include "hw/bc_dense.h"
#include "hw/conv2d.h"
#include "hw/dense.h"
#include "hw/global_avgpool.h"
#include "hw/maxpool2d.h"
#include "hw/relu.h"
#include "hw/fixed_format.h"
#include "hw/registry.h"

namespace {

using bcnn::QuantLayer;
using bcnn_hls::fixed;
using bcnn_hls::format;
using bcnn_hls::format_of;
using bcnn_hls::from_raw_bits;
using bcnn_hls::raw_bits;

// ---- the kernels' configuration structs, as a generated project writes them --------------------

struct BcDenseCfg {
  static const int n_in = 37, n_out = 23, block = 16;
  static const int p = 2, q = 3, block_rows_parallel = 2, bins_parallel = 3, block_cols_parallel = 2;
  static const int fft_units = 4, fft_lanes = 2, ifft_units = 32, ifft_lanes = 1;  // pipelined, parallel
  typedef fixed<10, 2, AP_RND, AP_SAT> in_t;
  typedef fixed<14, 2, AP_RND_CONV, AP_WRAP> spec_t;
  typedef fixed<12, 3, AP_RND_ZERO, AP_SAT_SYM> weight_t;
  typedef fixed<30, 8, AP_TRN, AP_WRAP> acc_t;
  typedef fixed<14, 3, AP_RND_MIN_INF, AP_SAT_ZERO> ifft_t;
  typedef fixed<10, 2, AP_RND_INF, AP_SAT> bias_t;
  typedef fixed<9, 3, AP_RND, AP_WRAP> out_t;
  typedef fixed<12, 2, AP_RND, AP_SAT> twiddle_t;
  static inline weight_t w_re[p][q][block / 2 + 1];
  static inline weight_t w_im[p][q][block / 2 + 1];
  static inline bias_t bias[n_out];
  static inline twiddle_t tw_re[block / 2];
  static inline twiddle_t tw_im[block / 2];
};

struct DenseCfg {
  static const int n_in = 23, n_out = 10, reuse_factor = 4;
  typedef fixed<8, 3, AP_RND, AP_SAT> in_t;
  typedef fixed<9, 2, AP_RND_CONV, AP_SAT> weight_t;
  typedef fixed<7, 3, AP_RND_ZERO, AP_WRAP> bias_t;
  typedef fixed<14, 5, AP_TRN, AP_WRAP> acc_t;
  typedef fixed<10, 4, AP_RND_INF, AP_SAT_SYM> out_t;
  static inline weight_t weights[n_out][n_in];
  static inline bias_t bias[n_out];
};

struct ReluCfg {
  static const int n = 20, lanes = 3;
  typedef fixed<12, 4, AP_RND, AP_SAT> in_t;
  typedef fixed<8, 2, AP_RND_CONV, AP_SAT> out_t;  // narrower: the kernel converts and saturates
};

struct ReluPixelsCfg {
  static const int channels = 3, pixels = 20, lanes = 2;  // 3 x 5 x 4, 2 of 3 channels per cycle
  typedef fixed<12, 4, AP_RND, AP_SAT> in_t;
  typedef fixed<8, 2, AP_RND_CONV, AP_SAT> out_t;
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, channels> out_pixel_t;
};

struct FlattenPixelsCfg {
  static const int channels = 3, height = 4, width = 5;
  typedef fixed<11, 3, AP_RND, AP_SAT> in_t;
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
};

// conv2d: 3 x 6 x 5 -> 4 x 6 x 5, 3 x 3 "same"; 3 of 4 outputs, all 3 inputs and 2 of 3 kernel
// columns at once (taps that do not divide the kernel, with a narrow accumulator: the order of
// the sums must hold).
struct Conv2dCfg {
  static const int in_channels = 3, in_height = 6, in_width = 5, out_channels = 4, out_height = 6, out_width = 5;
  static const int kernel_h = 3, kernel_w = 3, stride_h = 1, stride_w = 1, pad_top = 1, pad_left = 1;
  static const int outputs_parallel = 3, inputs_parallel = 3, taps_parallel = 2;
  typedef fixed<8, 3, AP_RND, AP_SAT> in_t;
  typedef fixed<9, 2, AP_RND_CONV, AP_SAT> weight_t;
  typedef fixed<7, 3, AP_RND_ZERO, AP_WRAP> bias_t;
  typedef fixed<15, 6, AP_TRN, AP_WRAP> acc_t;
  typedef fixed<10, 4, AP_RND_INF, AP_SAT_SYM> out_t;
  typedef bcnn_hls::pixel<in_t, in_channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, out_channels> out_pixel_t;
  static inline weight_t weights[out_channels][kernel_h][kernel_w][in_channels];
  static inline bias_t bias[out_channels];
};

// Conv2dCfg with two whole kernel rows per step (taps 6 of 3 x 3: row groups of 2 and 1) and an
// accumulator that rounds and saturates at every +=, so that a change in the order of the sums
// shows.
struct Conv2dRowsCfg : Conv2dCfg {
  static const int taps_parallel = 6;
  typedef fixed<11, 3, AP_RND, AP_SAT> acc_t;
  typedef fixed<8, 2, AP_RND, AP_SAT> out_t;
  typedef bcnn_hls::pixel<out_t, out_channels> out_pixel_t;
  static inline weight_t weights[out_channels][kernel_h][kernel_w][in_channels];
  static inline bias_t bias[out_channels];
};

// conv2d with stride 2, a 2 x 3 kernel, no padding and rows/columns no window reads:
// 2 x 7 x 8 -> 5 x 3 x 3.
struct Conv2dStridedCfg {
  static const int in_channels = 2, in_height = 7, in_width = 8, out_channels = 5, out_height = 3, out_width = 3;
  static const int kernel_h = 2, kernel_w = 3, stride_h = 2, stride_w = 2, pad_top = 0, pad_left = 0;
  static const int outputs_parallel = 2, inputs_parallel = 1, taps_parallel = 1;
  typedef fixed<9, 2, AP_RND, AP_SAT> in_t;
  typedef fixed<8, 1, AP_RND, AP_SAT> weight_t;
  typedef fixed<8, 2, AP_RND, AP_SAT> bias_t;
  typedef fixed<24, 6, AP_TRN, AP_WRAP> acc_t;  // exact: the emulator's int64 path
  typedef fixed<7, 2, AP_RND, AP_SAT> out_t;
  typedef bcnn_hls::pixel<in_t, in_channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, out_channels> out_pixel_t;
  static inline weight_t weights[out_channels][kernel_h][kernel_w][in_channels];
  static inline bias_t bias[out_channels];
};

// bc_conv2d, stride 2 and padding 1, channels not multiples of the block; a narrow accumulator
// (rounds and saturates at every +=) forces the emulator's general path.
struct BcConv2dStridedCfg {
  static const int in_channels = 11, in_height = 7, in_width = 6;
  static const int out_channels = 13, out_height = 4, out_width = 3;
  static const int kernel_h = 3, kernel_w = 3, stride_h = 2, stride_w = 2, pad_top = 1, pad_left = 1;
  static const int block = 4, p = 4, q = 3, block_rows_parallel = 2, bins_parallel = 2, block_cols_parallel = 2;
  static const int taps_parallel = 1;
  static const int fft_units = 2, fft_lanes = 3, ifft_units = 4, ifft_lanes = 2;  // pipelined, parallel
  typedef fixed<10, 2, AP_RND, AP_SAT> in_t;
  typedef fixed<14, 2, AP_RND_CONV, AP_WRAP> spec_t;
  typedef fixed<12, 3, AP_RND_ZERO, AP_SAT_SYM> weight_t;
  typedef fixed<16, 5, AP_RND, AP_SAT> acc_t;
  typedef fixed<14, 4, AP_RND_MIN_INF, AP_SAT_ZERO> ifft_t;
  typedef fixed<10, 2, AP_RND_INF, AP_SAT> bias_t;
  typedef fixed<9, 3, AP_RND, AP_SAT> out_t;
  typedef fixed<12, 2, AP_RND, AP_SAT> twiddle_t;
  typedef bcnn_hls::pixel<in_t, in_channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, out_channels> out_pixel_t;
  static inline weight_t w_re[p][q][kernel_h][kernel_w][block / 2 + 1];
  static inline weight_t w_im[p][q][kernel_h][kernel_w][block / 2 + 1];
  static inline bias_t bias[out_channels];
  static inline twiddle_t tw_re[block / 2];
  static inline twiddle_t tw_im[block / 2];
};

// bc_conv2d, "same" 3x3 stride 1, block 8; an exact accumulator (F = F_weight + F_spec, wide
// enough for the proven bound) takes the emulator's fast path.
struct BcConv2dSameCfg {
  static const int in_channels = 10, in_height = 5, in_width = 6;
  static const int out_channels = 9, out_height = 5, out_width = 6;
  static const int kernel_h = 3, kernel_w = 3, stride_h = 1, stride_w = 1, pad_top = 1, pad_left = 1;
  static const int block = 8, p = 2, q = 2, block_rows_parallel = 1, bins_parallel = 5, block_cols_parallel = 2;
  static const int taps_parallel = 1;
  static const int fft_units = 1, fft_lanes = 1, ifft_units = 6, ifft_lanes = 2;  // serial, pipelined
  typedef fixed<10, 2, AP_RND, AP_SAT> in_t;
  typedef fixed<13, 3, AP_RND_CONV, AP_SAT> spec_t;
  typedef fixed<11, 4, AP_RND, AP_SAT> weight_t;
  typedef fixed<40, 23, AP_TRN, AP_WRAP> acc_t;
  typedef fixed<15, 5, AP_RND_ZERO, AP_SAT> ifft_t;
  typedef fixed<10, 2, AP_RND_INF, AP_SAT> bias_t;
  typedef fixed<9, 3, AP_RND_CONV, AP_SAT> out_t;
  typedef fixed<12, 2, AP_RND, AP_SAT> twiddle_t;
  typedef bcnn_hls::pixel<in_t, in_channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, out_channels> out_pixel_t;
  static inline weight_t w_re[p][q][kernel_h][kernel_w][block / 2 + 1];
  static inline weight_t w_im[p][q][kernel_h][kernel_w][block / 2 + 1];
  static inline bias_t bias[out_channels];
  static inline twiddle_t tw_re[block / 2];
  static inline twiddle_t tw_im[block / 2];
};

// BcConv2dStridedCfg with every block column and 4 of the 9 taps per MAC step (tap groups of 4, 4
// and 1), its accumulator rounding and saturating at every +=: the order of the sums must hold.
struct BcConv2dTapsCfg : BcConv2dStridedCfg {
  static const int block_cols_parallel = 3, taps_parallel = 4;
  static inline weight_t w_re[p][q][kernel_h][kernel_w][block / 2 + 1];
  static inline weight_t w_im[p][q][kernel_h][kernel_w][block / 2 + 1];
  static inline bias_t bias[out_channels];
  static inline twiddle_t tw_re[block / 2];
  static inline twiddle_t tw_im[block / 2];
};

// Pools over 3 x 7 x 5 maps: windows 2 x 2 / 2 and 3 x 3 / 2 leave the last column (and, for 2 x 2,
// the last row) unread by any window.
template <int K, int S>
struct PoolGeometry {
  static const int in_height = 7, in_width = 5, out_height = (7 - K) / S + 1, out_width = (5 - K) / S + 1;
  static const int kernel_h = K, kernel_w = K, stride_h = S, stride_w = S, pad_top = 0, pad_left = 0;
  static const int channels = 3, lanes = 2;  // 2 of 3 channels per cycle
};

struct MaxPoolCfg : PoolGeometry<2, 2> {
  typedef fixed<8, 3, AP_RND, AP_SAT> in_t;
  typedef fixed<6, 2, AP_RND_CONV, AP_SAT> out_t;  // an override: the kernel converts and saturates
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, channels> out_pixel_t;
};

struct MaxPool3Cfg : PoolGeometry<3, 2> {
  typedef fixed<7, 2, AP_TRN, AP_WRAP> in_t;
  typedef in_t out_t;  // the default: the maximum in its input's format
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, channels> out_pixel_t;
};

struct AvgPoolCfg : PoolGeometry<3, 2> {
  typedef fixed<8, 3, AP_RND, AP_SAT> in_t;
  typedef fixed<12, 7, AP_TRN, AP_WRAP> acc_t;     // exact: 9 * 2^7 raw
  typedef fixed<10, 1, AP_RND, AP_SAT> scale_t;    // 1/9, rounded
  typedef fixed<6, 2, AP_RND_CONV, AP_SAT> out_t;
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, channels> out_pixel_t;
  static inline scale_t scale;
};

struct AvgPool2Cfg : PoolGeometry<2, 2> {
  typedef fixed<7, 2, AP_RND_ZERO, AP_SAT> in_t;
  typedef fixed<9, 4, AP_TRN, AP_WRAP> acc_t;      // exact: 4 * 2^6 raw
  typedef fixed<8, 1, AP_RND, AP_SAT> scale_t;     // 1/4, exact
  typedef fixed<5, 1, AP_RND_MIN_INF, AP_SAT_SYM> out_t;
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, channels> out_pixel_t;
  static inline scale_t scale;
};

struct GlobalAvgPoolCfg {
  static const int channels = 3, pixels = 35, lanes = 2;  // 3 x 7 x 5, 2 of 3 channels per cycle
  typedef fixed<8, 3, AP_RND, AP_SAT> in_t;
  typedef fixed<14, 9, AP_TRN, AP_WRAP> acc_t;  // exact: 35 * 2^7 raw
  typedef fixed<12, 1, AP_RND, AP_SAT> scale_t;  // 1/35, rounded
  typedef fixed<6, 1, AP_RND_INF, AP_SAT> out_t;
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
  static inline scale_t scale;
};

// An array of 3 channels of 2 x 2 values (a feature map in C order), and a vector of 5 channels.
template <int N, int C, int LANES>
struct BatchNormArrayCfg {
  static const int n = N, channels = C, lanes = LANES;
  typedef fixed<8, 3, AP_RND, AP_SAT> in_t;
  typedef fixed<9, 2, AP_RND_CONV, AP_SAT> scale_t;
  typedef fixed<7, 3, AP_RND_ZERO, AP_WRAP> shift_t;
  typedef fixed<8, 3, AP_RND_INF, AP_SAT_SYM> out_t;
  static inline scale_t scale[channels];
  static inline shift_t shift[channels];
};
using BatchNormMapCfg = BatchNormArrayCfg<12, 3, 5>;  // lanes that divide neither n nor a channel
using BatchNormVectorCfg = BatchNormArrayCfg<5, 5, 1>;

struct BatchNormPixelsCfg {
  static const int channels = 3, pixels = 20, lanes = 2;  // 3 x 5 x 4, 2 of 3 channels per cycle
  typedef fixed<10, 4, AP_RND, AP_SAT> in_t;
  typedef fixed<8, 1, AP_RND, AP_SAT> scale_t;
  typedef fixed<9, 2, AP_RND_CONV, AP_SAT> shift_t;
  typedef fixed<7, 2, AP_TRN, AP_SAT> out_t;
  typedef bcnn_hls::pixel<in_t, channels> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, channels> out_pixel_t;
  static inline scale_t scale[channels];
  static inline shift_t shift[channels];
};

// ---- building layers ------------------------------------------------------------------------------

std::vector<std::int64_t> random_raw(int n, const format& f, bcnn::Rng& rng) {
  std::vector<std::int64_t> raw(n);
  const double span = static_cast<double>(f.max_raw()) - static_cast<double>(f.min_raw()) + 1;
  for (auto& v : raw)
    v = std::min<std::int64_t>(f.max_raw(), f.min_raw() + static_cast<std::int64_t>(rng.uniform_double() * span));
  return raw;
}

QuantLayer base_layer(const char* type, int n_in, int n_out, const format& in, const format& out) {
  QuantLayer q;
  q.type = type;
  q.name = std::string(type) + "_layer";
  q.n_in = n_in;
  q.n_out = n_out;
  q.in = in;
  q.out = out;
  return q;
}

// A layer on feature maps: shapes (C, H, W), streaming in and (unless out_shape has rank 1) out.
QuantLayer pixel_layer(const char* type, std::vector<int> in_shape, std::vector<int> out_shape, const format& in,
                       const format& out) {
  auto size = [](const std::vector<int>& s) {
    int n = 1;
    for (int d : s) n *= d;
    return n;
  };
  QuantLayer q = base_layer(type, size(in_shape), size(out_shape), in, out);
  q.in_shape = std::move(in_shape);
  q.out_shape = std::move(out_shape);
  q.in_pixels = true;
  q.out_pixels = q.out_shape.size() == 3;
  return q;
}

QuantLayer make_bc_dense(bcnn::Rng& rng) {
  using C = BcDenseCfg;
  QuantLayer q = base_layer("bc_dense", C::n_in, C::n_out, format_of<C::in_t>(), format_of<C::out_t>());
  auto& bc = q.params.emplace<bcnn::hw::BcDenseParams>();
  bc.spec = format_of<C::spec_t>();
  bc.weight = format_of<C::weight_t>();
  bc.acc = format_of<C::acc_t>();
  bc.ifft = format_of<C::ifft_t>();
  bc.bias = format_of<C::bias_t>();
  bc.twiddle = format_of<C::twiddle_t>();
  bc.block = C::block;
  bc.p = C::p;
  bc.q = C::q;
  bc.block_rows_parallel = C::block_rows_parallel;
  bc.bins_parallel = C::bins_parallel;
  bc.block_cols_parallel = C::block_cols_parallel;
  bc.fft_units = C::fft_units;
  bc.fft_lanes = C::fft_lanes;
  bc.ifft_units = C::ifft_units;
  bc.ifft_lanes = C::ifft_lanes;
  const int spectra = C::p * C::q * (C::block / 2 + 1);
  bc.weight_re = random_raw(spectra, bc.weight, rng);
  bc.weight_im = random_raw(spectra, bc.weight, rng);
  bc.bias_raw = random_raw(C::n_out, bc.bias, rng);
  for (int j = 0; j < C::block / 2; ++j) {
    bc.twiddle_re.push_back(bcnn_hls::from_double(std::cos(2 * M_PI * j / C::block), bc.twiddle));
    bc.twiddle_im.push_back(bcnn_hls::from_double(-std::sin(2 * M_PI * j / C::block), bc.twiddle));
  }
  return q;
}

QuantLayer make_dense(bcnn::Rng& rng) {
  using C = DenseCfg;
  QuantLayer q = base_layer("dense", C::n_in, C::n_out, format_of<C::in_t>(), format_of<C::out_t>());
  auto& d = q.params.emplace<bcnn::hw::DenseParams>();
  d.weight = format_of<C::weight_t>();
  d.bias = format_of<C::bias_t>();
  d.acc = format_of<C::acc_t>();
  d.reuse_factor = C::reuse_factor;
  d.weights = random_raw(C::n_in * C::n_out, d.weight, rng);
  d.bias_raw = random_raw(C::n_out, d.bias, rng);
  return q;
}

template <class C>
QuantLayer make_conv2d_of(bcnn::Rng& rng) {
  QuantLayer q = pixel_layer("conv2d", {C::in_channels, C::in_height, C::in_width},
                             {C::out_channels, C::out_height, C::out_width}, format_of<typename C::in_t>(),
                             format_of<typename C::out_t>());
  auto& c = q.params.emplace<bcnn::hw::Conv2dParams>();
  c.weight = format_of<typename C::weight_t>();
  c.bias = format_of<typename C::bias_t>();
  c.acc = format_of<typename C::acc_t>();
  c.kernel_h = C::kernel_h;
  c.kernel_w = C::kernel_w;
  c.stride_h = C::stride_h;
  c.stride_w = C::stride_w;
  c.pad_top = C::pad_top;
  c.pad_left = C::pad_left;
  c.outputs_parallel = C::outputs_parallel;
  c.inputs_parallel = C::inputs_parallel;
  c.taps_parallel = C::taps_parallel;
  c.weights = random_raw(C::out_channels * C::kernel_h * C::kernel_w * C::in_channels, c.weight, rng);
  c.bias_raw = random_raw(C::out_channels, c.bias, rng);
  return q;
}

QuantLayer make_conv2d(bcnn::Rng& rng) { return make_conv2d_of<Conv2dCfg>(rng); }
QuantLayer make_conv2d_strided(bcnn::Rng& rng) { return make_conv2d_of<Conv2dStridedCfg>(rng); }
QuantLayer make_conv2d_rows(bcnn::Rng& rng) { return make_conv2d_of<Conv2dRowsCfg>(rng); }

QuantLayer make_relu(bcnn::Rng&) {
  QuantLayer q = base_layer("relu", ReluCfg::n, ReluCfg::n, format_of<ReluCfg::in_t>(), format_of<ReluCfg::out_t>());
  q.params.emplace<bcnn::hw::ReluParams>().lanes = ReluCfg::lanes;
  return q;
}

QuantLayer make_relu_pixels(bcnn::Rng&) {
  QuantLayer q = pixel_layer("relu", {3, 5, 4}, {3, 5, 4}, format_of<ReluPixelsCfg::in_t>(),
                             format_of<ReluPixelsCfg::out_t>());
  q.params.emplace<bcnn::hw::ReluParams>().lanes = ReluPixelsCfg::lanes;
  return q;
}

QuantLayer make_flatten_pixels(bcnn::Rng&) {
  const format f = format_of<FlattenPixelsCfg::in_t>();
  return pixel_layer("flatten", {3, 4, 5}, {60}, f, f);
}

QuantLayer make_flatten(bcnn::Rng&) {
  const format f = format_of<fixed<11, 3, AP_RND, AP_SAT>>();
  return base_layer("flatten", 18, 18, f, f);
}

QuantLayer make_dropout(bcnn::Rng&) {
  const format f = format_of<fixed<9, 1, AP_TRN, AP_WRAP>>();
  return base_layer("dropout", 12, 12, f, f);
}

template <class C>
QuantLayer make_bc_conv2d(bcnn::Rng& rng) {
  QuantLayer q = pixel_layer("bc_conv2d", {C::in_channels, C::in_height, C::in_width},
                             {C::out_channels, C::out_height, C::out_width}, format_of<typename C::in_t>(),
                             format_of<typename C::out_t>());
  auto& bc = q.params.emplace<bcnn::hw::BcConv2dParams>();
  bc.spec = format_of<typename C::spec_t>();
  bc.weight = format_of<typename C::weight_t>();
  bc.acc = format_of<typename C::acc_t>();
  bc.ifft = format_of<typename C::ifft_t>();
  bc.bias = format_of<typename C::bias_t>();
  bc.twiddle = format_of<typename C::twiddle_t>();
  bc.block = C::block;
  bc.p = C::p;
  bc.q = C::q;
  bc.kernel_h = C::kernel_h;
  bc.kernel_w = C::kernel_w;
  bc.stride_h = C::stride_h;
  bc.stride_w = C::stride_w;
  bc.pad_top = C::pad_top;
  bc.pad_left = C::pad_left;
  bc.block_rows_parallel = C::block_rows_parallel;
  bc.bins_parallel = C::bins_parallel;
  bc.block_cols_parallel = C::block_cols_parallel;
  bc.taps_parallel = C::taps_parallel;
  bc.fft_units = C::fft_units;
  bc.fft_lanes = C::fft_lanes;
  bc.ifft_units = C::ifft_units;
  bc.ifft_lanes = C::ifft_lanes;
  const int spectra = C::p * C::q * C::kernel_h * C::kernel_w * (C::block / 2 + 1);
  bc.weight_re = random_raw(spectra, bc.weight, rng);
  bc.weight_im = random_raw(spectra, bc.weight, rng);
  bc.bias_raw = random_raw(C::out_channels, bc.bias, rng);
  for (int j = 0; j < C::block / 2; ++j) {
    bc.twiddle_re.push_back(bcnn_hls::from_double(std::cos(2 * M_PI * j / C::block), bc.twiddle));
    bc.twiddle_im.push_back(bcnn_hls::from_double(-std::sin(2 * M_PI * j / C::block), bc.twiddle));
  }
  return q;
}

QuantLayer make_bc_conv2d_strided(bcnn::Rng& rng) {
  QuantLayer q = make_bc_conv2d<BcConv2dStridedCfg>(rng);
  CHECK_FALSE(bcnn::hw::HwBcConv2d::accumulator_is_exact(q));  // the general path
  return q;
}

QuantLayer make_bc_conv2d_taps(bcnn::Rng& rng) {
  QuantLayer q = make_bc_conv2d<BcConv2dTapsCfg>(rng);
  CHECK_FALSE(bcnn::hw::HwBcConv2d::accumulator_is_exact(q));  // the general path
  return q;
}

QuantLayer make_bc_conv2d_same(bcnn::Rng& rng) {
  QuantLayer q = make_bc_conv2d<BcConv2dSameCfg>(rng);
  CHECK(bcnn::hw::HwBcConv2d::accumulator_is_exact(q));  // the fast path
  return q;
}

template <class CFG>
QuantLayer make_pool_layer(const char* type) {
  const std::vector<int> in_shape{CFG::channels, CFG::in_height, CFG::in_width};
  const std::vector<int> out_shape{CFG::channels, CFG::out_height, CFG::out_width};
  return pixel_layer(type, in_shape, out_shape, format_of<typename CFG::in_t>(), format_of<typename CFG::out_t>());
}

template <class CFG>
bcnn::hw::PoolWindow pool_window() {
  return {CFG::kernel_h, CFG::kernel_w, CFG::stride_h, CFG::stride_w};
}

template <class CFG>
QuantLayer make_maxpool(bcnn::Rng&) {
  QuantLayer q = make_pool_layer<CFG>("maxpool2d");
  auto& p = q.params.emplace<bcnn::hw::MaxPool2dParams>();
  p.window = pool_window<CFG>();
  p.lanes = CFG::lanes;
  return q;
}

template <class CFG>
QuantLayer make_avgpool(bcnn::Rng&) {
  QuantLayer q = make_pool_layer<CFG>("avgpool2d");
  auto& p = q.params.emplace<bcnn::hw::AvgPool2dParams>();
  p.window = pool_window<CFG>();
  p.acc = format_of<typename CFG::acc_t>();
  p.scale = format_of<typename CFG::scale_t>();
  p.scale_raw = bcnn_hls::from_double(1.0 / (CFG::kernel_h * CFG::kernel_w), p.scale);
  p.lanes = CFG::lanes;
  return q;
}

QuantLayer make_global_avgpool(bcnn::Rng&) {
  using C = GlobalAvgPoolCfg;
  QuantLayer q = pixel_layer("global_avgpool", {3, 7, 5}, {3}, format_of<C::in_t>(), format_of<C::out_t>());
  auto& p = q.params.emplace<bcnn::hw::GlobalAvgPoolParams>();
  p.acc = format_of<C::acc_t>();
  p.scale = format_of<C::scale_t>();
  p.scale_raw = bcnn_hls::from_double(1.0 / 35, p.scale);
  p.lanes = C::lanes;
  return q;
}

template <class CFG>
void random_batchnorm_params(QuantLayer& q, bcnn::Rng& rng) {
  auto& p = q.params.emplace<bcnn::hw::BatchNormParams>();
  p.scale = format_of<typename CFG::scale_t>();
  p.shift = format_of<typename CFG::shift_t>();
  p.scale_raw = random_raw(CFG::channels, p.scale, rng);
  p.shift_raw = random_raw(CFG::channels, p.shift, rng);
}

template <class CFG>
QuantLayer make_batchnorm_array(const std::vector<int>& shape, bcnn::Rng& rng) {
  QuantLayer q = base_layer("batchnorm", CFG::n, CFG::n, format_of<typename CFG::in_t>(),
                            format_of<typename CFG::out_t>());
  q.in_shape = q.out_shape = shape;
  random_batchnorm_params<CFG>(q, rng);
  bcnn::hw::params_of<bcnn::hw::BatchNormParams>(q).lanes = CFG::lanes;
  return q;
}

QuantLayer make_batchnorm_map(bcnn::Rng& rng) { return make_batchnorm_array<BatchNormMapCfg>({3, 2, 2}, rng); }
QuantLayer make_batchnorm_vector(bcnn::Rng& rng) { return make_batchnorm_array<BatchNormVectorCfg>({5}, rng); }

QuantLayer make_batchnorm_pixels(bcnn::Rng& rng) {
  using C = BatchNormPixelsCfg;
  QuantLayer q = pixel_layer("batchnorm", {3, 5, 4}, {3, 5, 4}, format_of<C::in_t>(), format_of<C::out_t>());
  random_batchnorm_params<C>(q, rng);
  bcnn::hw::params_of<bcnn::hw::BatchNormParams>(q).lanes = C::lanes;
  return q;
}

// ---- the kernels in C simulation: raw in, raw out ---------------------------------------------

template <class T, int N>
std::vector<std::int64_t> raw_vector(const T (&values)[N]) {
  std::vector<std::int64_t> raw(N);
  for (int i = 0; i < N; ++i) raw[i] = raw_bits(values[i]);
  return raw;
}

template <class T, int N>
void load_raw(T (&values)[N], const std::vector<std::int64_t>& raw) {
  for (int i = 0; i < N; ++i) values[i] = from_raw_bits<T>(raw[i]);
}

std::vector<std::int64_t> run_bc_dense(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  using C = BcDenseCfg;
  const auto& bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(q);
  const int bins = C::block / 2 + 1;
  for (int i = 0; i < C::p; ++i)
    for (int j = 0; j < C::q; ++j)
      for (int f = 0; f < bins; ++f) {
        const std::size_t index = (static_cast<std::size_t>(i) * C::q + j) * bins + f;
        C::w_re[i][j][f] = from_raw_bits<C::weight_t>(bc.weight_re[index]);
        C::w_im[i][j][f] = from_raw_bits<C::weight_t>(bc.weight_im[index]);
      }
  load_raw(C::bias, bc.bias_raw);
  load_raw(C::tw_re, bc.twiddle_re);
  load_raw(C::tw_im, bc.twiddle_im);
  C::in_t x[C::n_in];
  C::out_t y[C::n_out];
  load_raw(x, in);
  bcnn_hls::bc_dense<C>(x, y);
  return raw_vector(y);
}

std::vector<std::int64_t> run_dense(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  using C = DenseCfg;
  const auto& d = bcnn::hw::params_of<bcnn::hw::DenseParams>(q);
  for (int o = 0; o < C::n_out; ++o)
    for (int i = 0; i < C::n_in; ++i)
      C::weights[o][i] = from_raw_bits<C::weight_t>(d.weights[static_cast<std::size_t>(o) * C::n_in + i]);
  load_raw(C::bias, d.bias_raw);
  C::in_t x[C::n_in];
  C::out_t y[C::n_out];
  load_raw(x, in);
  bcnn_hls::dense<C>(x, y);
  return raw_vector(y);
}

std::vector<std::int64_t> run_relu(const QuantLayer&, const std::vector<std::int64_t>& in) {
  ReluCfg::in_t x[ReluCfg::n];
  ReluCfg::out_t y[ReluCfg::n];
  load_raw(x, in);
  bcnn_hls::relu<ReluCfg>(x, y);
  return raw_vector(y);
}

// Pixel-stream kernels: the raw values in C order (as the emulator keeps them) go in as pixels in
// raster order, and the output pixels come back in C order. CFG gives in_pixel_t and
// out_pixel_t; the streams hold whole maps, as in a generated C simulation.
template <class CFG, int C_IN, int H_IN, int W_IN, int C_OUT, int H_OUT, int W_OUT, class KERNEL>
std::vector<std::int64_t> run_on_pixels(const std::vector<std::int64_t>& in, KERNEL kernel) {
  typedef typename CFG::in_pixel_t in_pixel_t;
  typedef typename CFG::out_pixel_t out_pixel_t;
  static bcnn_hls::stream<in_pixel_t, H_IN * W_IN> input;
  static bcnn_hls::stream<out_pixel_t, H_OUT * W_OUT> output;
  for (int y = 0; y < H_IN; ++y)
    for (int x = 0; x < W_IN; ++x) {
      in_pixel_t p;
      for (int c = 0; c < C_IN; ++c)
        p[c] = from_raw_bits<typename CFG::in_t>(in[(static_cast<std::size_t>(c) * H_IN + y) * W_IN + x]);
      input.write(p);
    }
  kernel(input, output);
  std::vector<std::int64_t> out(static_cast<std::size_t>(C_OUT) * H_OUT * W_OUT);
  CHECK(input.empty());  // the kernel read the whole map
  CHECK(output.size() == H_OUT * W_OUT);
  CHECK(input.failed_reads() == 0);
  CHECK(output.dropped_writes() == 0);
  for (int y = 0; y < H_OUT; ++y)
    for (int x = 0; x < W_OUT; ++x) {
      const out_pixel_t p = output.read();
      for (int c = 0; c < C_OUT; ++c) out[(static_cast<std::size_t>(c) * H_OUT + y) * W_OUT + x] = raw_bits(p[c]);
    }
  return out;
}

std::vector<std::int64_t> run_relu_pixels(const QuantLayer&, const std::vector<std::int64_t>& in) {
  using C = ReluPixelsCfg;
  return run_on_pixels<C, 3, 5, 4, 3, 5, 4>(in, [](auto& x, auto& y) { bcnn_hls::relu<C>(x, y); });
}

std::vector<std::int64_t> run_flatten_pixels(const QuantLayer&, const std::vector<std::int64_t>& in) {
  using C = FlattenPixelsCfg;
  bcnn_hls::stream<C::in_pixel_t, 20> x;
  for (int y = 0; y < C::height; ++y)
    for (int w = 0; w < C::width; ++w) {
      C::in_pixel_t p;
      for (int c = 0; c < C::channels; ++c)
        p[c] = from_raw_bits<C::in_t>(in[(static_cast<std::size_t>(c) * C::height + y) * C::width + w]);
      x.write(p);
    }
  C::in_t out[60];
  bcnn_hls::flatten<C>(x, out);
  CHECK(x.empty());
  return raw_vector(out);
}

template <class C>
std::vector<std::int64_t> run_conv2d_of(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  const auto& c = bcnn::hw::params_of<bcnn::hw::Conv2dParams>(q);
  std::size_t index = 0;
  for (int o = 0; o < C::out_channels; ++o)
    for (int a = 0; a < C::kernel_h; ++a)
      for (int b = 0; b < C::kernel_w; ++b)
        for (int i = 0; i < C::in_channels; ++i)
          C::weights[o][a][b][i] = from_raw_bits<typename C::weight_t>(c.weights[index++]);
  load_raw(C::bias, c.bias_raw);
  return run_on_pixels<C, C::in_channels, C::in_height, C::in_width, C::out_channels, C::out_height, C::out_width>(
      in, [](auto& x, auto& y) { bcnn_hls::conv2d<C>(x, y); });
}

template <class C>
std::vector<std::int64_t> run_bc_conv2d(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  const auto& bc = bcnn::hw::params_of<bcnn::hw::BcConv2dParams>(q);
  const int bins = C::block / 2 + 1;
  std::size_t index = 0;
  for (int i = 0; i < C::p; ++i)
    for (int j = 0; j < C::q; ++j)
      for (int a = 0; a < C::kernel_h; ++a)
        for (int b = 0; b < C::kernel_w; ++b)
          for (int f = 0; f < bins; ++f, ++index) {
            C::w_re[i][j][a][b][f] = from_raw_bits<typename C::weight_t>(bc.weight_re[index]);
            C::w_im[i][j][a][b][f] = from_raw_bits<typename C::weight_t>(bc.weight_im[index]);
          }
  load_raw(C::bias, bc.bias_raw);
  load_raw(C::tw_re, bc.twiddle_re);
  load_raw(C::tw_im, bc.twiddle_im);
  return run_on_pixels<C, C::in_channels, C::in_height, C::in_width, C::out_channels, C::out_height, C::out_width>(
      in, [](auto& x, auto& y) { bcnn_hls::bc_conv2d<C>(x, y); });
}

template <class CFG>
std::vector<std::int64_t> run_maxpool(const QuantLayer&, const std::vector<std::int64_t>& in) {
  return run_on_pixels<CFG, CFG::channels, CFG::in_height, CFG::in_width, CFG::channels, CFG::out_height,
                       CFG::out_width>(in, [](auto& x, auto& y) { bcnn_hls::maxpool2d<CFG>(x, y); });
}

template <class CFG>
std::vector<std::int64_t> run_avgpool(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  CFG::scale = from_raw_bits<typename CFG::scale_t>(bcnn::hw::params_of<bcnn::hw::AvgPool2dParams>(q).scale_raw);
  return run_on_pixels<CFG, CFG::channels, CFG::in_height, CFG::in_width, CFG::channels, CFG::out_height,
                       CFG::out_width>(in, [](auto& x, auto& y) { bcnn_hls::avgpool2d<CFG>(x, y); });
}

std::vector<std::int64_t> run_global_avgpool(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  using C = GlobalAvgPoolCfg;
  C::scale = from_raw_bits<C::scale_t>(bcnn::hw::params_of<bcnn::hw::GlobalAvgPoolParams>(q).scale_raw);
  bcnn_hls::stream<C::in_pixel_t, C::pixels> x;
  for (int i = 0; i < C::pixels; ++i) {
    C::in_pixel_t p;
    for (int c = 0; c < C::channels; ++c) p[c] = from_raw_bits<C::in_t>(in[static_cast<std::size_t>(c) * C::pixels + i]);
    x.write(p);
  }
  C::out_t out[C::channels];
  bcnn_hls::global_avgpool<C>(x, out);
  CHECK(x.empty());
  CHECK(x.failed_reads() == 0);
  return raw_vector(out);
}

template <class CFG>
void load_batchnorm_tables(const QuantLayer& q) {
  const auto& p = bcnn::hw::params_of<bcnn::hw::BatchNormParams>(q);
  load_raw(CFG::scale, p.scale_raw);
  load_raw(CFG::shift, p.shift_raw);
}

template <class CFG>
std::vector<std::int64_t> run_batchnorm_array(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  load_batchnorm_tables<CFG>(q);
  typename CFG::in_t x[CFG::n];
  typename CFG::out_t y[CFG::n];
  load_raw(x, in);
  bcnn_hls::batchnorm<CFG>(x, y);
  return raw_vector(y);
}

std::vector<std::int64_t> run_batchnorm_pixels(const QuantLayer& q, const std::vector<std::int64_t>& in) {
  using C = BatchNormPixelsCfg;
  load_batchnorm_tables<C>(q);
  return run_on_pixels<C, 3, 5, 4, 3, 5, 4>(in, [](auto& x, auto& y) { bcnn_hls::batchnorm<C>(x, y); });
}

// ---- the table --------------------------------------------------------------------------------

struct KindRow {
  const char* type;
  QuantLayer (*make)(bcnn::Rng&);
  // Its bcnn_hls kernel on raw inputs; nullptr for kinds without hardware, whose next layer
  // reads the same array (so their emulation must be the identity).
  std::vector<std::int64_t> (*kernel)(const QuantLayer&, const std::vector<std::int64_t>&);
};

const KindRow rows[] = {
    {"dense", make_dense, run_dense},
    {"bc_dense", make_bc_dense, run_bc_dense},
    {"conv2d", make_conv2d, run_conv2d_of<Conv2dCfg>},
    {"conv2d", make_conv2d_strided, run_conv2d_of<Conv2dStridedCfg>},
    {"conv2d", make_conv2d_rows, run_conv2d_of<Conv2dRowsCfg>},
    {"relu", make_relu, run_relu},
    {"relu", make_relu_pixels, run_relu_pixels},
    {"dropout", make_dropout, nullptr},
    {"flatten", make_flatten, nullptr},
    {"flatten", make_flatten_pixels, run_flatten_pixels},
    {"bc_conv2d", make_bc_conv2d_strided, run_bc_conv2d<BcConv2dStridedCfg>},
    {"bc_conv2d", make_bc_conv2d_same, run_bc_conv2d<BcConv2dSameCfg>},
    {"bc_conv2d", make_bc_conv2d_taps, run_bc_conv2d<BcConv2dTapsCfg>},
    {"maxpool2d", make_maxpool<MaxPoolCfg>, run_maxpool<MaxPoolCfg>},
    {"maxpool2d", make_maxpool<MaxPool3Cfg>, run_maxpool<MaxPool3Cfg>},
    {"avgpool2d", make_avgpool<AvgPoolCfg>, run_avgpool<AvgPoolCfg>},
    {"avgpool2d", make_avgpool<AvgPool2Cfg>, run_avgpool<AvgPool2Cfg>},
    {"global_avgpool", make_global_avgpool, run_global_avgpool},
    {"batchnorm", make_batchnorm_map, run_batchnorm_array<BatchNormMapCfg>},
    {"batchnorm", make_batchnorm_vector, run_batchnorm_array<BatchNormVectorCfg>},
    {"batchnorm", make_batchnorm_pixels, run_batchnorm_pixels},
};

const KindRow* find_row(std::string_view type) {
  for (const auto& row : rows)
    if (row.type == type) return &row;
  return nullptr;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("hw kinds: every registered kind has a row in this table, and every row a registered kind") {
  for (const bcnn::hw::HwLayer* kind : bcnn::hw::hw_layers()) {
    const std::string type(kind->type());
    CHECK_MESSAGE(find_row(type) != nullptr, "hardware kind " << type << " has no row in tests/hw/test_hw_layers.cpp");
    CHECK(bcnn::hw::find_hw_layer(type) == kind);
  }
  for (const auto& row : rows) CHECK_MESSAGE(bcnn::hw::find_hw_layer(row.type) != nullptr, row.type);
  CHECK(bcnn::hw::find_hw_layer("softmax") == nullptr);
}

TEST_CASE("hw kinds: emulation equals the bcnn_hls kernel in C simulation bit for bit") {
  for (const auto& row : rows) {
    CAPTURE(row.type);
    const bcnn::hw::HwLayer* kind = bcnn::hw::find_hw_layer(row.type);
    REQUIRE(kind != nullptr);
    bcnn::Rng rng(1234);
    const QuantLayer q = row.make(rng);
    CHECK_NOTHROW(kind->validate(q));
    CHECK(kind->has_hardware(q) == (row.kernel != nullptr));
    long mismatches = 0, at_limits = 0;
    for (int n = 0; n < 300; ++n) {
      const auto in = random_raw(q.n_in, q.in, rng);
      const auto emulated = kind->emulate(q, in);
      REQUIRE(emulated.size() == static_cast<std::size_t>(q.n_out));
      const auto expected = row.kernel ? row.kernel(q, in) : in;
      if (emulated != expected && mismatches++ < 3) CHECK(emulated == expected);
      for (std::int64_t v : emulated) at_limits += v == q.out.max_raw() || v == q.out.min_raw();
    }
    CHECK(mismatches == 0);
    if (row.kernel) CHECK(at_limits > 0);  // the formats are narrow enough to reach their limits
  }
}

TEST_CASE("hw kinds: estimates are sane, and parallelism meets a target or reports it out of reach") {
  const bcnn::FpgaPart part = *bcnn::find_fpga_part("xczu7ev-ffvc1156-2-e");
  for (const auto& row : rows) {
    CAPTURE(row.type);
    const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer(row.type);
    bcnn::Rng rng(99);
    QuantLayer q = row.make(rng);
    if (!kind.has_hardware(q)) {
      CHECK_FALSE(kind.has_parallelism());
      CHECK(kind.passes_value_through());
      continue;
    }
    const bcnn::StageEstimate s = kind.estimate(q, part);
    CHECK(s.name == q.name);
    CHECK(s.type == row.type);
    CHECK_FALSE(s.parallelism.empty());
    CHECK(s.latency_cycles > q.n_in / 4);
    CHECK(s.ii_cycles > 0);
    CHECK(s.ii_cycles <= s.latency_cycles);
    CHECK(s.resources.lut > 0);
    CHECK(s.resources.ff > 0);
    CHECK(s.resources.dsp >= 0);
    CHECK(s.resources.bram18 >= 0);
    if (!kind.has_parallelism()) continue;
    // An unreachable target: reported with the best II, and the knobs chosen are (about) that fast.
    std::int64_t reported = -1;
    kind.choose_parallelism(q, part, 1, [&](std::int64_t best) { reported = best; });
    CHECK(reported > 1);
    const bcnn::StageEstimate fast = kind.estimate(q, part);
    CHECK(fast.ii_cycles >= reported);
    CHECK(fast.ii_cycles <= reported + reported / 20);
    // A target every choice meets: no report, and the cheapest knobs use no more DSPs.
    reported = -1;
    kind.choose_parallelism(q, part, s.latency_cycles * 100, [&](std::int64_t best) { reported = best; });
    CHECK(reported == -1);
    const bcnn::StageEstimate cheap = kind.estimate(q, part);
    CHECK(cheap.ii_cycles <= s.latency_cycles * 100);
    CHECK(cheap.resources.dsp <= fast.resources.dsp);
  }
}

TEST_CASE("hw kinds: what each kind writes into a generated project") {
  for (const auto& row : rows) {
    CAPTURE(row.type);
    const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer(row.type);
    bcnn::Rng rng(7);
    const QuantLayer q = row.make(rng);
    const bcnn::hw::ProjectNames names{"layer", "layer_config"};
    const auto fields = kind.format_fields();
    REQUIRE(fields.size() >= 2);
    CHECK(fields[0] == "in");
    CHECK(fields[1] == "out");
    nlohmann::json layer = nlohmann::json::object(), formats = nlohmann::json::object();
    CHECK_NOTHROW(kind.describe(q, layer, formats));
    for (const auto& [field, spelling] : formats.items())
      CHECK_MESSAGE(std::find(fields.begin(), fields.end(), field) != fields.end(), field);

    const std::string config = kind.config_struct(q, names);
    const std::string call = kind.top_call(q, names, "x_previous", "x_layer");
    const std::string tables = kind.parameter_tables(q, names);
    if (!kind.has_hardware(q)) {
      CHECK(config.empty());
      CHECK(tables.empty());
      CHECK(call == "// " + q.name + " (" + row.type + "): no hardware, the same array\n");
      continue;
    }
    CHECK(contains(config, "// " + q.name + ": " + row.type));
    CHECK(contains(config, "struct layer_config {\n"));
    CHECK(contains(config, "  typedef " + bcnn::hw::cpp_type(q.in) + " in_t;\n"));
    CHECK(contains(config, "  typedef " + bcnn::hw::cpp_type(q.out) + " out_t;\n"));
    CHECK(config.substr(config.size() - 3) == "};\n");
    CHECK(config.find("{{") == std::string::npos);
    if (q.out_pixels) {
      const int pixels = q.out_shape[1] * q.out_shape[2];
      CHECK(call == "BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<layer_config::out_pixel_t, BCNN_HLS_FIFO_DEPTH(" +
                        std::to_string(bcnn::hw::pixel_fifo_depth(q.out_shape)) + ", " + std::to_string(pixels) +
                        ")> x_layer;\nbcnn_hls::" + row.type + "<layer_config>(x_previous, x_layer);\n");
      CHECK(contains(config, "  typedef bcnn_hls::pixel<out_t, " + std::to_string(q.out_shape[0]) +
                                 "> out_pixel_t;\n"));
    } else {
      // A pass-through (flatten) writes the values it reads, in their type.
      CHECK(call == (kind.passes_value_through() ? "layer_config::in_t x_layer[" : "layer_config::out_t x_layer[") +
                        std::to_string(q.n_out) + "];\nbcnn_hls::" + row.type + "<layer_config>(x_previous, x_layer);\n");
    }
    if (q.in_pixels)
      CHECK(contains(config, "  typedef bcnn_hls::pixel<in_t, " + std::to_string(q.in_shape[0]) + "> in_pixel_t;\n"));
    if (!tables.empty()) {
      CHECK(contains(tables, "const layer_config::"));
      // A bias per output: per channel on feature maps.
      const int outputs = q.out_shape.size() == 3 ? q.out_shape[0] : q.n_out;
      if (contains(tables, "::bias["))
        CHECK(contains(tables, "const layer_config::bias_t layer_config::bias[" + std::to_string(outputs) + "] =\n"));
      CHECK(tables.find("{{") == std::string::npos);
      // Every constant the tables define ("const layer_config::T layer_config::NAME") is one the
      // config struct declares ("static const T NAME").
      const std::string prefix = "const layer_config::";
      for (std::size_t at = tables.find(prefix); at != std::string::npos; at = tables.find(prefix, at + 1)) {
        const std::size_t type_begin = at + prefix.size();
        const std::size_t type_end = tables.find(' ', type_begin);
        const std::size_t name_begin = tables.find("::", type_end) + 2;
        const std::size_t name_end = tables.find_first_of("[ ", name_begin);
        const std::string declared = "static const " + tables.substr(type_begin, type_end - type_begin) + " " +
                                     tables.substr(name_begin, name_end - name_begin);
        CHECK_MESSAGE(contains(config, declared), declared);
      }
    }
  }
}

TEST_CASE("hw kinds: conv2d's taps knob needs every input channel at once, and shortens the II") {
  const bcnn::FpgaPart part = *bcnn::find_fpga_part("xczu7ev-ffvc1156-2-e");
  const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer("conv2d");
  bcnn::Rng rng(3);
  QuantLayer q = make_conv2d_strided(rng);  // 2 input channels, 1 per cycle, kernel 2 x 3
  auto with = [&](std::map<std::string, int> knobs) {
    QuantLayer t = q;
    kind.apply_parallelism(bcnn::LayerParallelism{std::move(knobs), std::nullopt}, t);
    return t;
  };
  CHECK_THROWS_WITH(with({{"taps", 2}}), doctest::Contains("--knob conv2d_layer.taps: expected 1 unless every input channel "
                                                            "is computed at once (conv2d_layer.inputs = 2"));
  CHECK_THROWS_WITH(with({{"inputs", 2}, {"taps", 7}}), doctest::Contains("kernel taps per cycle in 1..6"));
  CHECK_THROWS_WITH(with({{"inputs", 2}, {"taps", 4}}),
                    doctest::Contains("--knob conv2d_layer.taps: expected at most kernel_w = 3 (columns of a kernel "
                                      "row) or a multiple of it (whole rows), found 4"));
  const bcnn::StageEstimate one = kind.estimate(with({{"inputs", 2}}), part);
  const bcnn::StageEstimate three = kind.estimate(with({{"inputs", 2}, {"taps", 3}}), part);
  const bcnn::StageEstimate six = kind.estimate(with({{"inputs", 2}, {"taps", 6}}), part);
  CHECK(three.ii_cycles < one.ii_cycles);
  CHECK(six.ii_cycles < three.ii_cycles);
  CHECK(three.resources.dsp == 3 * one.resources.dsp);
  CHECK(six.resources.dsp == 6 * one.resources.dsp);
  CHECK(three.assumes.at("taps_parallel") == 3);
  CHECK(six.assumes.at("taps_parallel") == 6);
}

TEST_CASE("hw kinds: bc_conv2d's taps knob needs every block column at once, and shortens the MAC process") {
  const bcnn::FpgaPart part = *bcnn::find_fpga_part("xczu7ev-ffvc1156-2-e");
  const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer("bc_conv2d");
  bcnn::Rng rng(5);
  QuantLayer q = make_bc_conv2d<BcConv2dStridedCfg>(rng);  // q = 3 block columns, 2 at once; 3 x 3 taps
  auto with = [&](std::map<std::string, int> knobs) {
    QuantLayer t = q;
    kind.apply_parallelism(bcnn::LayerParallelism{std::move(knobs), std::nullopt}, t);
    return t;
  };
  CHECK_THROWS_WITH(with({{"taps", 3}}),
                    doctest::Contains("--knob bc_conv2d_layer.taps: expected 1 unless every block column is computed at "
                                      "once (bc_conv2d_layer.block_cols = 3, so that the sums keep their order), found 3 "
                                      "with block_cols = 2"));
  CHECK_THROWS_WITH(with({{"block_cols", 3}, {"taps", 10}}), doctest::Contains("kernel taps per MAC step in 1..9"));
  const bcnn::StageEstimate one = kind.estimate(with({{"block_cols", 3}}), part);
  const bcnn::StageEstimate nine = kind.estimate(with({{"block_cols", 3}, {"taps", 9}}), part);
  CHECK(nine.ii_cycles <= one.ii_cycles);
  CHECK(nine.resources.dsp > one.resources.dsp);
  CHECK(nine.assumes.at("taps_parallel") == 9);
  CHECK(contains(nine.parallelism, "9 of 9 taps"));
}

TEST_CASE("hw kinds: lanes, the channels per cycle of the per-channel kinds on pixel streams, the elements per "
          "cycle on arrays") {
  const bcnn::FpgaPart part = *bcnn::find_fpga_part("xczu7ev-ffvc1156-2-e");
  for (const char* type : {"relu", "batchnorm", "maxpool2d", "avgpool2d", "global_avgpool"}) {
    CAPTURE(type);
    const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer(type);
    CHECK(kind.has_parallelism());
    CHECK(kind.balanced_by_default());
    CHECK(kind.knob_names() == std::vector<std::string>{"lanes"});
    for (const auto& row : rows) {
      if (row.type != std::string_view(type)) continue;
      bcnn::Rng rng(5);
      QuantLayer q = row.make(rng);
      auto with_lanes = [&](int lanes) {
        QuantLayer t = q;
        kind.apply_parallelism(bcnn::LayerParallelism{{{"lanes", lanes}}, std::nullopt}, t);
        return t;
      };
      if (!q.in_pixels) {
        // On an array: up to one lane per element; more lanes, fewer cycles.
        CHECK_THROWS_WITH(with_lanes(q.n_in + 1),
                          doctest::Contains(("lanes in 1.." + std::to_string(q.n_in)).c_str()));
        const bcnn::StageEstimate one = kind.estimate(with_lanes(1), part);
        const bcnn::StageEstimate all = kind.estimate(with_lanes(q.n_in), part);
        CHECK(all.ii_cycles < one.ii_cycles);
        CHECK(all.resources.lut > one.resources.lut);
        CHECK(contains(all.parallelism, std::to_string(q.n_in) + " elements per cycle"));
        QuantLayer b = q;
        kind.balance(b, part, 1);  // an unreachable target: every element at once
        CHECK(kind.estimate(b, part).ii_cycles == all.ii_cycles);
        continue;
      }
      const int C = q.in_shape[0];
      CHECK_THROWS_WITH(with_lanes(C + 1), doctest::Contains(("lanes in 1.." + std::to_string(C)).c_str()));
      // More lanes: a lower II, more resources.
      const bcnn::StageEstimate one = kind.estimate(with_lanes(1), part);
      const bcnn::StageEstimate two = kind.estimate(with_lanes(2), part);
      const bcnn::StageEstimate all = kind.estimate(with_lanes(C), part);
      CHECK(two.ii_cycles < one.ii_cycles);
      CHECK(all.ii_cycles < two.ii_cycles);
      CHECK(one.resources.dsp <= all.resources.dsp);
      CHECK(one.resources.lut + one.resources.ff < all.resources.lut + all.resources.ff);
      CHECK(kind.table_cells(with_lanes(2)).at("parallelism").find("2 lanes of 3 channels") != std::string::npos);
      CHECK(kind.config_struct(with_lanes(2), {"layer", "layer_config"}).find("lanes = 2;") != std::string::npos);
      // balance: the fewest lanes within the target.
      QuantLayer b = q;
      kind.balance(b, part, two.ii_cycles);
      CHECK(kind.estimate(b, part).ii_cycles == two.ii_cycles);
      kind.balance(b, part, one.ii_cycles * 10);
      CHECK(kind.estimate(b, part).ii_cycles == one.ii_cycles);
      kind.balance(b, part, 1);
      CHECK(kind.estimate(b, part).ii_cycles == all.ii_cycles);
    }
  }
}
