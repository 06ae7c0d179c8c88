#pragma once
// Direct convolution in the frequency domain of the channel blocks, for bc_conv2d with stride 1.
//
// bc_conv2d's per-bin products (Y_f = W_f X_f over an im2col of the spectra) written without the
// im2col: the spectra of one bin are stored as planar complex planes (real parts, then imaginary
// parts) of the zero-padded image, Hp x Wp, flattened. Output position (oy, ox) is computed at flat
// index t = oy * Wp + ox for every ox < Wp (the Wp - out_w columns past the right edge are computed
// and dropped), and tap (a, b) of it reads the input plane at t + a * Wp + b: a fixed offset per
// tap, so every tap is a shifted contiguous read and the kernel is a run of complex
// multiply-adds over 16-float vectors of positions, with no expansion of the input.
//
//   forward   Y[i](t)  = sum_{j,a,b} W[i][j][a][b] X[j](t + a*Wp + b)
//   dL/dX     D[j](s)  = sum_{i,a,b} conj(W[i][j][a][b]) G[i](s - a*Wp - b)
//   dL/dW     dW[i][j][a][b] = sum_{n,t} G[i](t) conj(X[j](t + a*Wp + b))
//
// Bins whose spectra are real (bin 0, and bin k/2 for even k) use real products: one multiply-add
// per term instead of four. The layout of every plane is fixed by FreqConvPlan; planes are `float`
// arrays, real part at [0, stride), imaginary part at [stride, 2 * stride).
#include <complex>
#include <cstddef>
#include <vector>

#include "layers/conv_geometry.h"

namespace bcnn {

struct FreqConvPlan {
  int p = 0, q = 0;              // block rows (output channel blocks) and columns (input)
  int kh = 0, kw = 0, taps = 0;
  int height = 0, width = 0;     // input image
  int hp = 0, wp = 0;            // zero-padded input
  int pad_top = 0, pad_left = 0;
  int out_h = 0, out_w = 0;
  int t_vec = 0;                 // out_h * wp positions, rounded up to whole vectors
  int d_vec = 0;                 // height * wp positions of dL/dX (from row pad_top), rounded up
  int g_margin = 0;              // zeros before position 0 of a gradient plane: (kh - 1) * wp + kw - 1
  std::ptrdiff_t x_stride = 0;   // one part (real or imaginary) of an input plane, floats
  std::ptrdiff_t g_stride = 0;   // one part of a gradient plane (margin included)
  std::ptrdiff_t y_stride = 0;   // one part of an output plane (t_vec)
  std::ptrdiff_t d_stride = 0;   // one part of a dL/dX plane (d_vec, and a vector of slack)
  // Per term of the sums: the offset of its data plane (shift included) and of its weight.
  std::vector<std::ptrdiff_t> forward_off, forward_w_off, backward_off, backward_w_off;
};

// True when the direct path applies: stride 1 in both directions and a block with a vector FFT.
bool freq_conv_applies(const WindowGeometry& g, int k);
// The plan of a layer with p = block_rows output and q = block_cols input channel blocks.
FreqConvPlan make_freq_conv_plan(const WindowGeometry& g, int block_rows, int block_cols);

// Bins whose spectra are real: 0, and k/2 for even k.
constexpr bool is_real_bin(int bin, int k) { return bin == 0 || (k % 2 == 0 && bin == k / 2); }

// The transforms between images and planes run as vector FFTs (fft/vector_fft.h): blocks 1, 2, 4,
// 8, 16 and 32.
bool freq_conv_supports_block(int k);

// Real FFT over channel block j of an input image (C x height x width, channels past C are zero)
// into the zero-padded input planes of every bin: bin f's plane at planes + f * bin_stride.
void freq_conv_input_planes(const FreqConvPlan& plan, int k, const float* image, int channels, int j, float* planes,
                            std::ptrdiff_t bin_stride);
// Inverse FFT of output planes (bin f at planes + f * bin_stride) into channels i*k.. of an output
// image (filters x out_h x out_w), adding the bias. Unnormalized: the weight spectra carry the 1/k.
void freq_conv_output(const FreqConvPlan& plan, int k, const float* planes, std::ptrdiff_t bin_stride, int i,
                      int filters, const float* bias, float* image);
// Real FFT over channel block i of dL/dy (filters x out_h x out_w) into gradient planes.
void freq_conv_gradient_planes(const FreqConvPlan& plan, int k, const float* grad, int filters, int i, float* planes,
                               std::ptrdiff_t bin_stride);
// Inverse FFT of dL/dX planes into channels j*k.. of dL/dx (C x height x width).
void freq_conv_input_grad(const FreqConvPlan& plan, int k, const float* planes, std::ptrdiff_t bin_stride, int j,
                          int channels, float* image);

// Per bin and sample. `x` points at the q input planes of the sample (plane j at x + j * 2 *
// x_stride); `w` at the bin's weight spectra (p x q*taps, row-major, already scaled as the caller
// wants); `y` receives p output planes (plane i at y + i * 2 * y_stride).
void freq_conv_forward(const FreqConvPlan& plan, bool real_bin, const float* x, const std::complex<float>* w,
                       float* y);
// `g` points at the p gradient planes of the sample (plane i at g + i * 2 * g_stride, zero outside
// the out_h x out_w outputs); `d` receives q planes of dL/dX at positions pad_top * wp + [0, d_vec).
void freq_conv_grad_input(const FreqConvPlan& plan, bool real_bin, const float* g, const std::complex<float>* w,
                          float* d);
// dW (p x q*taps, row-major) = sum over `samples` samples of G conj(X); sample n's gradient planes
// at g + n * g_sample, its input planes at x + n * x_sample. Overwrites dw when `overwrite`, else
// adds to it.
void freq_conv_grad_weight(const FreqConvPlan& plan, bool real_bin, int samples, const float* g,
                           std::ptrdiff_t g_sample, const float* x, std::ptrdiff_t x_sample,
                           std::complex<float>* dw, bool overwrite);

}  // namespace bcnn
