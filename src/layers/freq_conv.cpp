#include "layers/freq_conv.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/simd.h"
#include "fft/vector_fft.h"

namespace bcnn {
namespace {

// Positions are processed 16 floats at a time (core/simd.h).
using simd::lane_sum;
using simd::lanes;
using simd::load;
using simd::store;
using vf = simd::vf16;

// A loaded vector that is used by several multiply-adds, pinned to a register. Left alone, GCC folds
// the load into every multiply-add as a memory operand: one unaligned (line-crossing) load per
// multiply-add, which made the dW kernel load-bound (2.4x slower than the forward product).
inline vf in_register(vf v) {
#if defined(__AVX512F__)
  asm("" : "+v"(v));
#endif
  return v;
}

std::ptrdiff_t round_up(std::ptrdiff_t n, std::ptrdiff_t m) { return (n + m - 1) / m * m; }

// R output rows x V vectors of positions: out[r](t) = sum_e w(r, e) * data(e)(t), complex, with
// data(e) = base + off[e] (real part; imaginary part `part` floats further) and w(r, e) =
// w[r * w_row + w_off[e]], conjugated when Conj. Real bins read and write real parts only.
template <int R, int V, bool Real, bool Conj>
void mac_tile(int terms, const float* base, const std::ptrdiff_t* off, std::ptrdiff_t part,
              const std::complex<float>* w, std::ptrdiff_t w_row, const std::ptrdiff_t* w_off, float* out,
              std::ptrdiff_t out_row, std::ptrdiff_t out_part) {
  vf acc_re[R][V] = {}, acc_im[R][V] = {};
  for (int e = 0; e < terms; ++e) {
    const float* src = base + off[e];
    vf x_re[V], x_im[V];
    for (int v = 0; v < V; ++v) {
      x_re[v] = in_register(load(src + v * lanes));
      if constexpr (!Real) x_im[v] = in_register(load(src + part + v * lanes));
    }
    const std::complex<float>* we = w + w_off[e];
    for (int r = 0; r < R; ++r) {
      const float wr = we[r * w_row].real();
      if constexpr (Real) {
        for (int v = 0; v < V; ++v) acc_re[r][v] += wr * x_re[v];
      } else {
        const float wi = Conj ? -we[r * w_row].imag() : we[r * w_row].imag();
        for (int v = 0; v < V; ++v) {
          acc_re[r][v] += wr * x_re[v];
          acc_re[r][v] -= wi * x_im[v];
          acc_im[r][v] += wr * x_im[v];
          acc_im[r][v] += wi * x_re[v];
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      store(out + r * out_row + v * lanes, acc_re[r][v]);
      if constexpr (!Real) store(out + r * out_row + out_part + v * lanes, acc_im[r][v]);
    }
}

// Rows per tile: complex bins 4 (16 accumulators at V = 2), real bins 8 (their products are a
// quarter of the arithmetic, so more rows share each loaded vector).
template <bool Real>
constexpr int tile_rows = Real ? 8 : 4;

using MacTile = void (*)(int, const float*, const std::ptrdiff_t*, std::ptrdiff_t, const std::complex<float>*,
                         std::ptrdiff_t, const std::ptrdiff_t*, float*, std::ptrdiff_t, std::ptrdiff_t);

// mac_tile<r + 1, V, Real, Conj> for r < tile_rows<Real>.
template <int V, bool Real, bool Conj, std::size_t... R>
constexpr std::array<MacTile, sizeof...(R)> mac_tiles(std::index_sequence<R...>) {
  return {mac_tile<static_cast<int>(R) + 1, V, Real, Conj>...};
}

// All rows and positions [0, positions) of one product; positions is a multiple of `lanes`.
template <bool Real, bool Conj>
void mac_rows(int rows, int positions, int terms, const float* base, const std::ptrdiff_t* off, std::ptrdiff_t part,
              const std::complex<float>* w, std::ptrdiff_t w_row, const std::ptrdiff_t* w_off, float* out,
              std::ptrdiff_t out_row, std::ptrdiff_t out_part) {
  constexpr int row_block = tile_rows<Real>;
  static constexpr auto wide = mac_tiles<2, Real, Conj>(std::make_index_sequence<row_block>());
  static constexpr auto narrow = mac_tiles<1, Real, Conj>(std::make_index_sequence<row_block>());
  for (int r0 = 0; r0 < rows; r0 += row_block) {
    const int r = std::min(row_block, rows - r0);
    const std::complex<float>* wr = w + r0 * w_row;
    float* o = out + r0 * out_row;
    int t = 0;
    for (; t + 2 * lanes <= positions; t += 2 * lanes)
      wide[r - 1](terms, base + t, off, part, wr, w_row, w_off, o + t, out_row, out_part);
    if (t < positions) narrow[r - 1](terms, base + t, off, part, wr, w_row, w_off, o + t, out_row, out_part);
  }
}

// dW for R rows of G against NB consecutive taps (a, b0 .. b0 + NB - 1) of one input plane:
// acc(r, b) = sum_{n,t} G[r](t) conj(X(t + b)). x points at X(a * wp + b0) of sample 0.
template <int R, int NB, bool Real>
void weight_tile(int samples, int positions, const float* g, std::ptrdiff_t g_row, std::ptrdiff_t g_part,
                 std::ptrdiff_t g_sample, const float* x, std::ptrdiff_t x_part, std::ptrdiff_t x_sample,
                 std::complex<float>* dw, std::ptrdiff_t dw_row, bool overwrite) {
  vf acc_re[R][NB] = {}, acc_im[R][NB] = {};
  for (int n = 0; n < samples; ++n) {
    const float* gn = g + n * g_sample;
    const float* xn = x + n * x_sample;
    for (int t = 0; t < positions; t += lanes) {
      vf g_re[R], g_im[R];
      for (int r = 0; r < R; ++r) {
        g_re[r] = load(gn + r * g_row + t);
        if constexpr (!Real) g_im[r] = load(gn + r * g_row + g_part + t);
      }
      for (int b = 0; b < NB; ++b) {
        const vf x_re = in_register(load(xn + t + b));
        if constexpr (Real) {
          for (int r = 0; r < R; ++r) acc_re[r][b] += g_re[r] * x_re;
        } else {
          const vf x_im = in_register(load(xn + x_part + t + b));
          for (int r = 0; r < R; ++r) {
            acc_re[r][b] += g_re[r] * x_re;
            acc_re[r][b] += g_im[r] * x_im;
            acc_im[r][b] += g_im[r] * x_re;
            acc_im[r][b] -= g_re[r] * x_im;
          }
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int b = 0; b < NB; ++b) {
      const float re = lane_sum(acc_re[r][b]);
      const float im = Real ? 0.0f : lane_sum(acc_im[r][b]);
      std::complex<float>& d = dw[r * dw_row + b];
      d = overwrite ? std::complex<float>(re, im) : d + std::complex<float>(re, im);
    }
}

using WeightTile = void (*)(int, int, const float*, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, const float*,
                            std::ptrdiff_t, std::ptrdiff_t, std::complex<float>*, std::ptrdiff_t, bool);
constexpr int weight_taps = 3;  // taps per dW tile (one kernel row, or 3 of a wider one)

// weight_tile<r + 1, nb + 1, Real> at [r * weight_taps + nb].
template <bool Real, std::size_t... I>
constexpr std::array<WeightTile, sizeof...(I)> weight_tiles(std::index_sequence<I...>) {
  return {weight_tile<static_cast<int>(I) / weight_taps + 1, static_cast<int>(I) % weight_taps + 1, Real>...};
}

template <bool Real>
void weight_rows(const FreqConvPlan& plan, int p, int q, int samples, const float* g, std::ptrdiff_t g_sample,
                 const float* x, std::ptrdiff_t x_sample, std::complex<float>* dw, bool overwrite) {
  // Rows per tile: complex bins 2 (12 accumulators), real bins 4 (their products are a quarter of
  // the arithmetic, so more rows share each loaded vector of X).
  constexpr int row_block = Real ? 4 : 2;
  static constexpr auto tiles = weight_tiles<Real>(std::make_index_sequence<row_block * weight_taps>());
  const std::ptrdiff_t kc = static_cast<std::ptrdiff_t>(q) * plan.taps;
  const float* g0 = g + plan.g_margin;
  for (int i0 = 0; i0 < p; i0 += row_block) {
    const int r = std::min(row_block, p - i0);
    for (int j = 0; j < q; ++j)
      for (int a = 0; a < plan.kh; ++a)
        for (int b0 = 0; b0 < plan.kw; b0 += weight_taps) {
          const int nb = std::min(weight_taps, plan.kw - b0);
          tiles[(r - 1) * weight_taps + nb - 1](samples, plan.t_vec, g0 + i0 * 2 * plan.g_stride, 2 * plan.g_stride,
                                                plan.g_stride, g_sample,
                                                x + j * 2 * plan.x_stride + a * plan.wp + b0, plan.x_stride, x_sample,
                                                dw + i0 * kc + j * plan.taps + a * plan.kw + b0, kc, overwrite);
        }
  }
}

// ---- Transforms between images and planes ----------------------------------------------------
// Row segments: `count` consecutive pixels of an image `width` wide starting at pixel `first`, cut
// at row ends; f(row, column, offset into the run, length) for each piece.
template <class F>
void for_each_segment(int first, int count, int width, F&& f) {
  for (int done = 0; done < count;) {
    const int pixel = first + done, row = pixel / width, column = pixel % width;
    const int length = std::min(count - done, width - column);
    f(row, column, done, length);
    done += length;
  }
}

// Zeros everything of a plane part except the height x width block at (top, left) of its
// `row`-wide rows. The gaps between rows are a few floats: plain loops, not memset calls.
void zero_outside(float* part, std::ptrdiff_t stride, int top, int left, int height, int width, int row) {
  const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(top) * row + left;
  std::fill(part, part + first, 0.0f);
  for (int y = 0; y + 1 < height; ++y) {
    float* gap = part + first + static_cast<std::ptrdiff_t>(y) * row + width;
    for (int i = 0; i < row - width; ++i) gap[i] = 0.0f;
  }
  std::fill(part + first + static_cast<std::ptrdiff_t>(height - 1) * row + width, part + stride, 0.0f);
}

// Copies `length` <= lanes floats: fixed-size copies (single vector moves) for whole and half
// vectors, the rows of 8 x 8 maps; a loop otherwise.
inline void copy_run(float* dst, const float* src, int length) {
  if (length == lanes) {
    std::memcpy(dst, src, lanes * sizeof(float));
  } else if (length == lanes / 2) {
    std::memcpy(dst, src, lanes / 2 * sizeof(float));
  } else {
    for (int i = 0; i < length; ++i) dst[i] = src[i];
  }
}

using Fft = fft::VectorFft<vf>;

// Real FFT over the k channels image[(c0 + u) * pixels + ...] (zero past `channels`) of the
// `height` x `width` pixels; the spectra go to the planes (bin f at planes + f * bin_stride, real
// part, imaginary part `part` further) at rows top.. and columns left.. of `row`-wide rows. The
// planes' other positions are zeroed; real bins get real parts only.
template <int K>
void image_to_planes(const float* image, std::ptrdiff_t pixels_per_channel, int c0, int channels, int height,
                     int width, float* planes, std::ptrdiff_t bin_stride, std::ptrdiff_t part, int top, int left,
                     int row) {
  constexpr int bins = K / 2 + 1;
  for (int f = 0; f < bins; ++f) {
    zero_outside(planes + f * bin_stride, part, top, left, height, width, row);
    if (!is_real_bin(f, K)) zero_outside(planes + f * bin_stride + part, part, top, left, height, width, row);
  }
  if (width >= lanes) {
    // Row by row in whole vectors; a row's last vector is moved back to end at the row's end (the
    // lanes it shares with the one before get the same values again).
    for (int y = 0; y < height; ++y)
      for (int x0 = 0; x0 < width; x0 += lanes) {
        const int column = std::min(x0, width - lanes);
        const std::ptrdiff_t from = static_cast<std::ptrdiff_t>(y) * width + column;
        const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(y + top) * row + left + column;
        vf x[K], re[bins], im[bins];
        for (int u = 0; u < K; ++u)
          x[u] = c0 + u < channels ? load(image + (c0 + u) * pixels_per_channel + from) : vf{};
        Fft::forward<K>(x, re, im);
        for (int f = 0; f < bins; ++f) {
          store(planes + f * bin_stride + at, re[f]);
          if (!is_real_bin(f, K)) store(planes + f * bin_stride + part + at, im[f]);
        }
      }
    return;
  }
  // Narrow images: runs of 16 consecutive pixels, cut into row pieces.
  const int pixels = height * width;
  alignas(64) float re_out[bins][lanes], im_out[bins][lanes];
  for (int p0 = 0; p0 < pixels; p0 += lanes) {
    const int n = std::min(lanes, pixels - p0);
    vf x[K];
    for (int u = 0; u < K; ++u) {
      const int c = c0 + u;
      if (c >= channels) {
        x[u] = vf{};
      } else if (n == lanes) {
        x[u] = load(image + c * pixels_per_channel + p0);
      } else {
        alignas(64) float tail[lanes] = {};
        copy_run(tail, image + c * pixels_per_channel + p0, n);
        x[u] = load(tail);
      }
    }
    vf re[bins], im[bins];
    Fft::forward<K>(x, re, im);
    for (int f = 0; f < bins; ++f) {
      store(re_out[f], re[f]);
      store(im_out[f], im[f]);
    }
    for_each_segment(p0, n, width, [&](int y, int column, int offset, int length) {
      const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(y + top) * row + left + column;
      for (int f = 0; f < bins; ++f) {
        float* plane = planes + f * bin_stride;
        copy_run(plane + at, re_out[f] + offset, length);
        if (!is_real_bin(f, K)) copy_run(plane + part + at, im_out[f] + offset, length);
      }
    });
  }
}

// The inverse: planes (as above) at positions first + y * row + x, x < width, y < height, to the
// image rows of channels c0 + u < channels, plus bias[u] when given. Unnormalized.
template <int K>
void planes_to_image(const float* planes, std::ptrdiff_t bin_stride, std::ptrdiff_t part, std::ptrdiff_t first,
                     int row, int height, int width, int c0, int channels, const float* bias, float* image,
                     std::ptrdiff_t pixels_per_channel) {
  constexpr int bins = K / 2 + 1;
  const int units = std::min(K, channels - c0);
  if (width >= lanes) {
    // Row by row in whole vectors, the last one of a row moved back as in image_to_planes.
    for (int y = 0; y < height; ++y)
      for (int x0 = 0; x0 < width; x0 += lanes) {
        const int column = std::min(x0, width - lanes);
        const std::ptrdiff_t at = first + static_cast<std::ptrdiff_t>(y) * row + column;
        vf re[bins], im[bins], x[K];
        for (int f = 0; f < bins; ++f) {
          re[f] = load(planes + f * bin_stride + at);
          im[f] = is_real_bin(f, K) ? vf{} : load(planes + f * bin_stride + part + at);
        }
        Fft::inverse<K>(re, im, x);
        const std::ptrdiff_t to = static_cast<std::ptrdiff_t>(y) * width + column;
        for (int u = 0; u < units; ++u)
          store(image + (c0 + u) * pixels_per_channel + to, bias ? x[u] + bias[u] : x[u]);
      }
    return;
  }
  // Narrow images: runs of 16 consecutive plane positions, cut into row pieces.
  alignas(64) float out[K][lanes];
  const int positions = height * row;
  for (int t0 = 0; t0 < positions; t0 += lanes) {
    vf re[bins], im[bins], x[K];
    for (int f = 0; f < bins; ++f) {
      re[f] = load(planes + f * bin_stride + first + t0);
      im[f] = is_real_bin(f, K) ? vf{} : load(planes + f * bin_stride + part + first + t0);
    }
    Fft::inverse<K>(re, im, x);
    for (int u = 0; u < units; ++u) store(out[u], bias ? x[u] + bias[u] : x[u]);
    // Positions t0.. of `row`-wide rows; only the first `width` of each row are pixels.
    for_each_segment(t0, std::min(lanes, positions - t0), row, [&](int y, int column, int offset, int length) {
      if (column >= width) return;
      length = std::min(length, width - column);
      for (int u = 0; u < units; ++u)
        copy_run(image + (c0 + u) * pixels_per_channel + static_cast<std::ptrdiff_t>(y) * width + column,
                 out[u] + offset, length);
    });
  }
}

template <int K>
struct Transforms {
  static void input(const FreqConvPlan& plan, const float* image, int channels, int j, float* planes,
                    std::ptrdiff_t bin_stride) {
    image_to_planes<K>(image, static_cast<std::ptrdiff_t>(plan.height) * plan.width, j * K, channels, plan.height,
                       plan.width, planes, bin_stride, plan.x_stride, plan.pad_top, plan.pad_left, plan.wp);
  }
  static void output(const FreqConvPlan& plan, const float* planes, std::ptrdiff_t bin_stride, int i, int filters,
                     const float* bias, float* image) {
    planes_to_image<K>(planes, bin_stride, plan.y_stride, 0, plan.wp, plan.out_h, plan.out_w, i * K, filters,
                       bias + i * K, image, static_cast<std::ptrdiff_t>(plan.out_h) * plan.out_w);
  }
  static void gradient(const FreqConvPlan& plan, const float* grad, int filters, int i, float* planes,
                       std::ptrdiff_t bin_stride) {
    // Outputs start g_margin into the plane: row 0, column g_margin of wp-wide rows.
    image_to_planes<K>(grad, static_cast<std::ptrdiff_t>(plan.out_h) * plan.out_w, i * K, filters, plan.out_h,
                       plan.out_w, planes, bin_stride, plan.g_stride, 0, plan.g_margin, plan.wp);
  }
  static void input_grad(const FreqConvPlan& plan, const float* planes, std::ptrdiff_t bin_stride, int j,
                         int channels, float* image) {
    planes_to_image<K>(planes, bin_stride, plan.d_stride, plan.pad_left, plan.wp, plan.height, plan.width, j * K,
                       channels, nullptr, image, static_cast<std::ptrdiff_t>(plan.height) * plan.width);
  }
};

template <class F>
decltype(auto) with_block(int k, F&& f) {
  switch (k) {
    case 1: return f(Transforms<1>{});
    case 2: return f(Transforms<2>{});
    case 4: return f(Transforms<4>{});
    case 8: return f(Transforms<8>{});
    case 16: return f(Transforms<16>{});
    case 32: return f(Transforms<32>{});
    default: throw std::logic_error("freq_conv: block " + std::to_string(k) + " has no vector FFT");
  }
}

}  // namespace

bool freq_conv_supports_block(int k) { return k == 1 || k == 2 || k == 4 || k == 8 || k == 16 || k == 32; }

void freq_conv_input_planes(const FreqConvPlan& plan, int k, const float* image, int channels, int j, float* planes,
                            std::ptrdiff_t bin_stride) {
  with_block(k, [&](auto t) { t.input(plan, image, channels, j, planes, bin_stride); });
}

void freq_conv_output(const FreqConvPlan& plan, int k, const float* planes, std::ptrdiff_t bin_stride, int i,
                      int filters, const float* bias, float* image) {
  with_block(k, [&](auto t) { t.output(plan, planes, bin_stride, i, filters, bias, image); });
}

void freq_conv_gradient_planes(const FreqConvPlan& plan, int k, const float* grad, int filters, int i, float* planes,
                               std::ptrdiff_t bin_stride) {
  with_block(k, [&](auto t) { t.gradient(plan, grad, filters, i, planes, bin_stride); });
}

void freq_conv_input_grad(const FreqConvPlan& plan, int k, const float* planes, std::ptrdiff_t bin_stride, int j,
                          int channels, float* image) {
  with_block(k, [&](auto t) { t.input_grad(plan, planes, bin_stride, j, channels, image); });
}

namespace {
}  // namespace

bool freq_conv_applies(const WindowGeometry& g, int k) {
  return g.stride_h == 1 && g.stride_w == 1 && freq_conv_supports_block(k);
}

FreqConvPlan make_freq_conv_plan(const WindowGeometry& g, int block_rows, int block_cols) {
  FreqConvPlan p;
  p.p = block_rows;
  p.q = block_cols;
  p.kh = g.kernel_h;
  p.kw = g.kernel_w;
  p.taps = g.taps();
  p.height = g.height;
  p.width = g.width;
  p.hp = g.height + g.pad_top + g.pad_bottom;
  p.wp = g.width + g.pad_left + g.pad_right;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  p.out_h = g.out_h;
  p.out_w = g.out_w;
  p.t_vec = static_cast<int>(round_up(static_cast<std::ptrdiff_t>(p.out_h) * p.wp, lanes));
  p.d_vec = static_cast<int>(round_up(static_cast<std::ptrdiff_t>(p.height) * p.wp, lanes));
  p.g_margin = (p.kh - 1) * p.wp + p.kw - 1;
  const std::ptrdiff_t reach = static_cast<std::ptrdiff_t>(p.kh - 1) * p.wp + p.kw - 1;
  p.x_stride = round_up(std::max<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(p.hp) * p.wp, p.t_vec + reach), lanes);
  const std::ptrdiff_t d_end = static_cast<std::ptrdiff_t>(p.pad_top) * p.wp + p.d_vec;
  p.g_stride = round_up(p.g_margin + std::max<std::ptrdiff_t>(p.t_vec, d_end), lanes);
  p.y_stride = p.t_vec;
  // The inverse transform reads whole vectors from pad_left on.
  p.d_stride = round_up(static_cast<std::ptrdiff_t>(p.d_vec) + p.pad_left, lanes);
  // Forward term e = (j, a, b): input plane j shifted by a * wp + b, weight W[i][e] (rows of
  // q * taps). Backward term e = (i, a, b): gradient plane i shifted back by a * wp + b, weight
  // conj(W[i][j][a][b]) for row j at j * taps + i * q * taps + a * kw + b.
  for (int j = 0; j < p.q; ++j)
    for (int a = 0; a < p.kh; ++a)
      for (int b = 0; b < p.kw; ++b) {
        p.forward_off.push_back(j * 2 * p.x_stride + a * p.wp + b);
        p.forward_w_off.push_back(static_cast<std::ptrdiff_t>(p.forward_w_off.size()));
      }
  for (int i = 0; i < p.p; ++i)
    for (int a = 0; a < p.kh; ++a)
      for (int b = 0; b < p.kw; ++b) {
        p.backward_off.push_back(i * 2 * p.g_stride - a * p.wp - b);
        p.backward_w_off.push_back(static_cast<std::ptrdiff_t>(i) * p.q * p.taps + a * p.kw + b);
      }
  return p;
}

void freq_conv_forward(const FreqConvPlan& plan, bool real_bin, const float* x, const std::complex<float>* w,
                       float* y) {
  const int terms = static_cast<int>(plan.forward_off.size());
  auto run = real_bin ? mac_rows<true, false> : mac_rows<false, false>;
  run(plan.p, plan.t_vec, terms, x, plan.forward_off.data(), plan.x_stride, w, terms, plan.forward_w_off.data(), y,
      2 * plan.y_stride, plan.y_stride);
}

void freq_conv_grad_input(const FreqConvPlan& plan, bool real_bin, const float* g, const std::complex<float>* w,
                          float* d) {
  const float* base = g + plan.g_margin + static_cast<std::ptrdiff_t>(plan.pad_top) * plan.wp;
  auto run = real_bin ? mac_rows<true, true> : mac_rows<false, true>;
  run(plan.q, plan.d_vec, static_cast<int>(plan.backward_off.size()), base, plan.backward_off.data(), plan.g_stride, w,
      plan.taps, plan.backward_w_off.data(), d, 2 * plan.d_stride, plan.d_stride);
}

void freq_conv_grad_weight(const FreqConvPlan& plan, bool real_bin, int samples, const float* g,
                           std::ptrdiff_t g_sample, const float* x, std::ptrdiff_t x_sample,
                           std::complex<float>* dw, bool overwrite) {
  auto run = real_bin ? weight_rows<true> : weight_rows<false>;
  run(plan, plan.p, plan.q, samples, g, g_sample, x, x_sample, dw, overwrite);
}

}  // namespace bcnn
