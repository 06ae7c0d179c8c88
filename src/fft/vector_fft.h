#pragma once
// Real FFTs of power-of-two length K <= 64 computed side by side over the lanes of a vector: lane l
// of x[0..K) is one real sequence. bc_conv2d's direct algorithm uses them on the channel blocks of
// 16 pixels at once, straight from NCHW images (channel c of a block is a contiguous row of pixels,
// so no transposition is needed) into planar spectra, and back.
//
// Conventions as FFTW's r2c/c2r (fft/fft.h): forward X_f = sum_u x_u e^{-2 pi i f u / K} for
// f <= K/2; inverse unnormalized (inverse(forward(x)) = K x), the imaginary parts of bins 0 and K/2
// ignored. A real transform of length K runs as a complex one of length K/2 on z_m = x_2m + i
// x_2m+1 plus a split step; the complex transform is a radix-2 recursion that the compiler unrolls
// completely, with the trivial twiddles (1 and -i) left out.
#include <cmath>

namespace bcnn::fft {

template <class V>
struct VectorFft {
  static constexpr int max_length = 64;

  // cos and sin of 2 pi f / 64, f < 64.
  struct Table {
    float c[max_length], s[max_length];
    Table() {
      for (int f = 0; f < max_length; ++f) {
        const double angle = 2.0 * 3.14159265358979323846 * f / max_length;
        c[f] = static_cast<float>(std::cos(angle));
        s[f] = static_cast<float>(std::sin(angle));
      }
    }
  };
  static const Table& table() {
    static const Table t;
    return t;
  }

  // Unnormalized complex DFT of length N: y_f = sum_m x_m e^{-+2 pi i f m / N} (+ when Inverse),
  // x_m = (xr[m*S], xi[m*S]), y in natural order.
  template <int N, int S, bool Inverse>
  static void complex_dft(const V* xr, const V* xi, V* yr, V* yi, const Table& t) {
    if constexpr (N == 1) {
      yr[0] = xr[0];
      yi[0] = xi[0];
    } else {
      constexpr int H = N / 2;
      complex_dft<H, 2 * S, Inverse>(xr, xi, yr, yi, t);
      complex_dft<H, 2 * S, Inverse>(xr + S, xi + S, yr + H, yi + H, t);
#pragma GCC unroll 32
      for (int m = 0; m < H; ++m) {
        const V br = yr[H + m], bi = yi[H + m];
        V tr, ti;  // twiddle * b
        if (m == 0) {
          tr = br;
          ti = bi;
        } else if (4 * m == N) {  // e^{-+i pi / 2} = -+i
          tr = Inverse ? -bi : bi;
          ti = Inverse ? br : -br;
        } else {
          const float c = t.c[m * (max_length / N)];
          const float s = Inverse ? t.s[m * (max_length / N)] : -t.s[m * (max_length / N)];
          tr = br * c - bi * s;
          ti = br * s + bi * c;
        }
        const V ar = yr[m], ai = yi[m];
        yr[m] = ar + tr;
        yi[m] = ai + ti;
        yr[H + m] = ar - tr;
        yi[H + m] = ai - ti;
      }
    }
  }

  // x[0..K) -> re, im [0..K/2]; im[0] and im[K/2] are 0.
  template <int K>
  static void forward(const V* x, V* re, V* im) {
    static_assert(K >= 1 && K <= max_length && (K & (K - 1)) == 0, "K must be a power of two <= 64");
    if constexpr (K == 1) {
      re[0] = x[0];
      im[0] = V{};
    } else {
      constexpr int N = K / 2;
      const Table& t = table();
      V zr[N], zi[N];
      complex_dft<N, 2, false>(x, x + 1, zr, zi, t);
      re[0] = zr[0] + zi[0];
      im[0] = V{};
      re[N] = zr[0] - zi[0];
      im[N] = V{};
      // X_f = Fe + e^{-2 pi i f / K} Fo with Fe = (Z_f + conj Z_{N-f}) / 2, Fo = (Z_f - conj Z_{N-f}) / 2i.
#pragma GCC unroll 32
      for (int f = 1; f < N; ++f) {
        const V fe_r = (zr[f] + zr[N - f]) * 0.5f, fe_i = (zi[f] - zi[N - f]) * 0.5f;
        const V fo_r = (zi[f] + zi[N - f]) * 0.5f, fo_i = (zr[N - f] - zr[f]) * 0.5f;
        const float c = t.c[f * (max_length / K)], s = t.s[f * (max_length / K)];
        re[f] = fe_r + (fo_r * c + fo_i * s);
        im[f] = fe_i + (fo_i * c - fo_r * s);
      }
    }
  }

  // re, im [0..K/2] -> x[0..K), unnormalized; im[0] and im[K/2] are not read.
  template <int K>
  static void inverse(const V* re, const V* im, V* x) {
    static_assert(K >= 1 && K <= max_length && (K & (K - 1)) == 0, "K must be a power of two <= 64");
    if constexpr (K == 1) {
      x[0] = re[0];
    } else {
      constexpr int N = K / 2;
      const Table& t = table();
      // z_m = x_2m + i x_2m+1 has Z_f = E_f + i O_f, E_f = X_f + conj X_{N-f},
      // O_f = (X_f - conj X_{N-f}) e^{2 pi i f / K}.
      V zr[N], zi[N], yr[N], yi[N];
      zr[0] = re[0] + re[N];
      zi[0] = re[0] - re[N];
#pragma GCC unroll 32
      for (int f = 1; f < N; ++f) {
        const V e_r = re[f] + re[N - f], e_i = im[f] - im[N - f];
        const V d_r = re[f] - re[N - f], d_i = im[f] + im[N - f];
        const float c = t.c[f * (max_length / K)], s = t.s[f * (max_length / K)];
        const V o_r = d_r * c - d_i * s, o_i = d_r * s + d_i * c;
        zr[f] = e_r - o_i;
        zi[f] = e_i + o_r;
      }
      complex_dft<N, 1, true>(zr, zi, yr, yi, t);
#pragma GCC unroll 32
      for (int m = 0; m < N; ++m) {
        x[2 * m] = yr[m];
        x[2 * m + 1] = yi[m];
      }
    }
  }
};

}  // namespace bcnn::fft
