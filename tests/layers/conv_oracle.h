#pragma once
// Direct (nested-loop, double precision) references for the convolution and pooling tests.
#include <vector>

#include "core/tensor.h"
#include "layers/conv_geometry.h"

namespace bcnn::testing {

// y[n][o][i][j] = bias[o] + sum_{c,a,b} w[o][c][a][b] x[n][c][i*sh + a - pt][j*sw + b - pl]
// (zero outside the image), w of shape (C_out, C_in, kh, kw), in double.
inline std::vector<double> direct_conv2d(const Tensor& x, const std::vector<double>& w, const std::vector<double>& bias,
                                         const WindowGeometry& g, int c_out) {
  const int B = x.batch(), C = g.channels, H = g.height, W = g.width;
  std::vector<double> y(static_cast<std::size_t>(B) * c_out * g.out_h * g.out_w);
  for (int n = 0; n < B; ++n)
    for (int o = 0; o < c_out; ++o)
      for (int i = 0; i < g.out_h; ++i)
        for (int j = 0; j < g.out_w; ++j) {
          double s = bias[o];
          for (int c = 0; c < C; ++c)
            for (int a = 0; a < g.kernel_h; ++a)
              for (int b = 0; b < g.kernel_w; ++b) {
                const int h = i * g.stride_h + a - g.pad_top, v = j * g.stride_w + b - g.pad_left;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                s += w[((static_cast<std::size_t>(o) * C + c) * g.kernel_h + a) * g.kernel_w + b] *
                     x.sample(n)[(static_cast<std::size_t>(c) * H + h) * W + v];
              }
          y[((static_cast<std::size_t>(n) * c_out + o) * g.out_h + i) * g.out_w + j] = s;
        }
  return y;
}

// dL/dx and dL/dW of the direct convolution for upstream gradient dy, in double.
inline void direct_conv2d_backward(const Tensor& x, const std::vector<double>& w, const Tensor& dy,
                                   const WindowGeometry& g, int c_out, std::vector<double>& dx,
                                   std::vector<double>& dw) {
  const int B = x.batch(), C = g.channels, H = g.height, W = g.width;
  dx.assign(static_cast<std::size_t>(B) * C * H * W, 0.0);
  dw.assign(static_cast<std::size_t>(c_out) * C * g.kernel_h * g.kernel_w, 0.0);
  for (int n = 0; n < B; ++n)
    for (int o = 0; o < c_out; ++o)
      for (int i = 0; i < g.out_h; ++i)
        for (int j = 0; j < g.out_w; ++j) {
          const double go = dy.sample(n)[(static_cast<std::size_t>(o) * g.out_h + i) * g.out_w + j];
          for (int c = 0; c < C; ++c)
            for (int a = 0; a < g.kernel_h; ++a)
              for (int b = 0; b < g.kernel_w; ++b) {
                const int h = i * g.stride_h + a - g.pad_top, v = j * g.stride_w + b - g.pad_left;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                const std::size_t wi = ((static_cast<std::size_t>(o) * C + c) * g.kernel_h + a) * g.kernel_w + b;
                const std::size_t xi = ((static_cast<std::size_t>(n) * C + c) * H + h) * W + v;
                dw[wi] += go * x[xi];
                dx[xi] += go * w[wi];
              }
        }
}

inline std::vector<double> to_double(std::span<const float> v) { return {v.begin(), v.end()}; }

template <class A, class B>
double max_abs_diff(const A& a, const B& b, std::size_t n) {
  double worst = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return worst;
}

}  // namespace bcnn::testing
