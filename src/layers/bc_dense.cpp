#include "layers/bc_dense.h"

#include <omp.h>

#include <cmath>

#include "core/blas.h"
#include "core/error.h"
#include "core/small_cgemm.h"
#include "core/threads.h"
#include "layers/init.h"

#include "layers/shape_check.h"

namespace bcnn {
namespace {

template <class V>
void ensure_size(V& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

// Runs fn(bin, row_begin, row_end) over every frequency bin, splitting rows too when there are
// fewer bins than threads. Each (bin, rows) task writes its own output rows, so the result does
// not depend on the schedule; the row split follows the configured thread count, not the number
// of threads running it (the products of part of the rows may round differently).
template <class Fn>
void for_each_bin(int bins, int rows, Fn&& fn) {
  const int parts = split_count();
  int row_chunks = bins >= 2 * parts ? 1 : std::max(1, std::min(rows, (2 * parts + bins - 1) / bins));
  int tasks = bins * row_chunks;
  const int nt = std::min(parts, active_threads());
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && tasks > 1)
  for (int t = 0; t < tasks; ++t) {
    int f = t / row_chunks, c = t % row_chunks;
    int r0 = static_cast<int>(static_cast<long>(rows) * c / row_chunks);
    int r1 = static_cast<int>(static_cast<long>(rows) * (c + 1) / row_chunks);
    if (r1 > r0) fn(f, r0, r1);
  }
}

// Copies rows of `width` floats into rows of `padded_width` (zero tail), or returns the source
// when no padding is needed.
const float* pad_rows(const float* src, int rows, int width, int padded_width, AlignedVector<float>& buffer) {
  if (width == padded_width) return src;
  ensure_size(buffer, static_cast<std::size_t>(rows) * padded_width);
#pragma omp parallel for schedule(static) if (parallel : static_cast<long>(rows) * padded_width > (1L << 15))
  for (int r = 0; r < rows; ++r) {
    float* dst = buffer.data() + static_cast<std::size_t>(r) * padded_width;
    std::copy(src + static_cast<std::size_t>(r) * width, src + static_cast<std::size_t>(r + 1) * width, dst);
    std::fill(dst + width, dst + padded_width, 0.0f);
  }
  return buffer.data();
}

using fft::bin_stride;

// Splits [0, n) evenly over the threads of the enclosing parallel region.
inline void thread_range(long n, long& begin, long& end) {
  const int t = omp_get_thread_num(), nt = omp_get_num_threads();
  begin = n * t / nt;
  end = n * (t + 1) / nt;
}

}  // namespace

BcDense::BcDense(std::string name, Shape input_shape, int units, int block, std::string init)
    : Layer(std::move(name), std::move(input_shape)), m_(units), k_(block), init_(std::move(init)) {
  n_ = static_cast<int>(shape_size(this->input_shape()));
  p_ = (m_ + k_ - 1) / k_;
  q_ = (n_ + k_ - 1) / k_;
  bins_ = fft::bins(k_);
}

nlohmann::json BcDense::config() const { return {{"units", m_}, {"block", k_}, {"init", init_}}; }

std::vector<ParamSpec> BcDense::param_specs() const {
  return {{"weight", {p_, q_, k_}, true}, {"bias", {m_}, false}};
}

std::int64_t real_fft_macs(int k) {
  if (k <= 1) return 0;
  return static_cast<std::int64_t>(std::llround(k * std::log2(static_cast<double>(k))));
}

LayerCost BcDense::cost() const {
  LayerCost c;
  c.params = static_cast<std::int64_t>(p_) * q_ * k_ + m_;
  c.dense_params = static_cast<std::int64_t>(n_) * m_ + m_;
  c.macs = (static_cast<std::int64_t>(q_) + p_) * real_fft_macs(k_) + 4LL * p_ * q_ * bins_;
  c.dense_macs = static_cast<std::int64_t>(n_) * m_;
  return c;
}

void BcDense::init_params(Rng& rng) {
  // Every output sees all n inputs through one weight each: the fan-in is n, not k.
  init_weights(init_, param(0), n_, m_, rng);
  std::fill(param(1).begin(), param(1).end(), 0.0f);
}

void BcDense::compute_weight_spectra() {
  const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(p_) * q_, ldw = bin_stride(blocks);
  ensure_size(weight_spectra_, static_cast<std::size_t>(ldw) * bins_);
  fft::forward({k_, static_cast<int>(blocks), k_, 1, ldw}, param(0).data(), weight_spectra_.data());
  // The single 1/k of FFTW's unnormalized inverse lives here: y = irfft(sum W X) and
  // dL/dx = irfft(sum conj(W) G) then need no extra pass. (dL/dw applies its own 1/k.)
  const float scale = 1.0f / static_cast<float>(k_);
  for (std::ptrdiff_t f = 0; f < bins_; ++f)
    for (std::ptrdiff_t i = 0; i < blocks; ++i) weight_spectra_[f * ldw + i] *= scale;
}

void BcDense::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  const int B = x.batch();
  const std::ptrdiff_t bq = static_cast<std::ptrdiff_t>(B) * q_, bp = static_cast<std::ptrdiff_t>(B) * p_;
  const std::ptrdiff_t ldx = bin_stride(bq), ldy = bin_stride(bp), ldw = bin_stride(static_cast<std::ptrdiff_t>(p_) * q_);
  compute_weight_spectra();

  const float* xp = pad_rows(x.data(), B, n_, q_ * k_, padded_);
  ensure_size(x_spectra_, static_cast<std::size_t>(ldx) * bins_);
  fft::forward({k_, static_cast<int>(bq), k_, 1, ldx}, xp, x_spectra_.data());

  // Per bin: Y_f (B x p) = X_f (B x q) W_f^T, W_f (p x q).
  ensure_size(out_spectra_, static_cast<std::size_t>(ldy) * bins_);
  for_each_bin(bins_, B, [&](int f, int r0, int r1) {
    const fft::complex* xf = x_spectra_.data() + f * ldx + static_cast<std::ptrdiff_t>(r0) * q_;
    const fft::complex* wf = weight_spectra_.data() + f * ldw;
    fft::complex* yf = out_spectra_.data() + f * ldy + static_cast<std::ptrdiff_t>(r0) * p_;
    if (small_products())  // Y(b, i) = sum_j X(b, j) W(i, j): W read transposed in place
      small_cgemm(r1 - r0, p_, q_, xf, q_, 1, wf, 1, q_, false, yf, p_);
    else
      cgemm(ComplexOp::none, ComplexOp::trans, r1 - r0, p_, q_, xf, q_, wf, q_, 0.0f, yf, p_);
  });

  y.resize(B, {m_});
  float* out = y.data();
  if (m_ != p_ * k_) {
    ensure_size(padded_, static_cast<std::size_t>(bp) * k_);
    out = padded_.data();
  }
  fft::inverse({k_, static_cast<int>(bp), k_, 1, ldy}, out_spectra_.data(), out);
  const float* bias = param(1).data();
  const int width = p_ * k_;
#pragma omp parallel for schedule(static) if (parallel : static_cast<long>(B) * m_ > (1L << 15))
  for (int b = 0; b < B; ++b) {
    const float* src = out + static_cast<std::size_t>(b) * (out == y.data() ? m_ : width);
    float* dst = y.sample(b);
    for (int o = 0; o < m_; ++o) dst[o] = src[o] + bias[o];
  }
}

void BcDense::backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx) {
  // x itself is not needed: forward kept its spectra.
  const int B = dy.batch();
  const std::ptrdiff_t bq = static_cast<std::ptrdiff_t>(B) * q_, bp = static_cast<std::ptrdiff_t>(B) * p_;
  const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(p_) * q_;
  const std::ptrdiff_t ldx = bin_stride(bq), ldy = bin_stride(bp), ldw = bin_stride(blocks);

  // dL/db: columns split over the threads, each summing its columns over the batch in order.
  float* bias_grad = grad(1).data();
#pragma omp parallel if (parallel : static_cast<long>(B) * m_ > (1L << 15))
  {
    long o0, o1;
    thread_range(m_, o0, o1);
    std::fill(bias_grad + o0, bias_grad + o1, 0.0f);
    for (int b = 0; b < B; ++b) {
      const float* g = dy.sample(b);
      for (long o = o0; o < o1; ++o) bias_grad[o] += g[o];
    }
  }

  // G = rfft(dL/dy), reusing out_spectra_ (forward's output spectra are no longer needed).
  const float* gp = pad_rows(dy.data(), B, m_, p_ * k_, padded_);
  fft::forward({k_, static_cast<int>(bp), k_, 1, ldy}, gp, out_spectra_.data());

  // dW_f (p x q) = G_f^T conj(X_f), summed over the batch inside the product.
  ensure_size(weight_grad_spectra_, static_cast<std::size_t>(ldw) * bins_);
  for_each_bin(bins_, p_, [&](int f, int r0, int r1) {
    const fft::complex* gf = out_spectra_.data() + f * ldy + r0;
    const fft::complex* xf = x_spectra_.data() + f * ldx;
    fft::complex* wf = weight_grad_spectra_.data() + f * ldw + static_cast<std::ptrdiff_t>(r0) * q_;
    if (small_products())  // dW(i, j) = sum_b G(b, i) conj(X(b, j)): G read transposed in place
      small_cgemm(r1 - r0, q_, B, gf, 1, p_, xf, q_, 1, true, wf, q_);
    else
      cgemm(ComplexOp::trans, ComplexOp::conj, r1 - r0, q_, B, gf, p_, xf, q_, 0.0f, wf, q_);
  });
  float* wg = grad(0).data();
  fft::inverse({k_, static_cast<int>(blocks), k_, 1, ldw}, weight_grad_spectra_.data(), wg);
  const float scale = 1.0f / static_cast<float>(k_);
  for (std::ptrdiff_t i = 0; i < blocks * k_; ++i) wg[i] *= scale;

  if (!dx) return;
  // dX_f (B x q) = G_f conj(W_f / k).
  ensure_size(in_grad_spectra_, static_cast<std::size_t>(ldx) * bins_);
  for_each_bin(bins_, B, [&](int f, int r0, int r1) {
    const fft::complex* gf = out_spectra_.data() + f * ldy + static_cast<std::ptrdiff_t>(r0) * p_;
    const fft::complex* wf = weight_spectra_.data() + f * ldw;
    fft::complex* df = in_grad_spectra_.data() + f * ldx + static_cast<std::ptrdiff_t>(r0) * q_;
    if (small_products())
      small_cgemm(r1 - r0, q_, p_, gf, p_, 1, wf, q_, 1, true, df, q_);
    else
      cgemm(ComplexOp::none, ComplexOp::conj, r1 - r0, q_, p_, gf, p_, wf, q_, 0.0f, df, q_);
  });
  dx->resize(B, input_shape());
  if (n_ == q_ * k_) {
    fft::inverse({k_, static_cast<int>(bq), k_, 1, ldx}, in_grad_spectra_.data(), dx->data());
    return;
  }
  ensure_size(padded_, static_cast<std::size_t>(bq) * k_);
  fft::inverse({k_, static_cast<int>(bq), k_, 1, ldx}, in_grad_spectra_.data(), padded_.data());
  const int width = q_ * k_;
#pragma omp parallel for schedule(static) if (parallel : static_cast<long>(B) * n_ > (1L << 15))
  for (int b = 0; b < B; ++b)
    std::copy(padded_.data() + static_cast<std::size_t>(b) * width, padded_.data() + static_cast<std::size_t>(b) * width + n_,
              dx->sample(b));
}

std::vector<double> bc_dense_to_dense(std::span<const float> w, int p, int q, int k, int m, int n) {
  if (static_cast<std::int64_t>(w.size()) != static_cast<std::int64_t>(p) * q * k)
    throw Error("bc_dense_to_dense: weight has " + std::to_string(w.size()) + " values, expected p*q*k");
  std::vector<double> dense(static_cast<std::size_t>(m) * n);
  for (int r = 0; r < m; ++r)
    for (int c = 0; c < n; ++c) {
      int d = ((r % k) - (c % k) + k) % k;
      dense[static_cast<std::size_t>(r) * n + c] = w[(static_cast<std::size_t>(r / k) * q + c / k) * k + d];
    }
  return dense;
}

std::unique_ptr<Layer> BcDense::from_json(JsonObject& spec, std::string name, const Shape& input) {
  int units = static_cast<int>(spec.get_int("units", std::nullopt, 1, 1 << 20));
  int block = static_cast<int>(spec.get_int("block", std::nullopt, 1, 4096));
  std::string init = spec.get_string("init", "he", init_names());
  require_vector_input(spec, name, input);
  return std::make_unique<BcDense>(std::move(name), input, units, block, init);
}

}  // namespace bcnn
