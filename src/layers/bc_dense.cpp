#include "layers/bc_dense.h"

#include <omp.h>

#include <cmath>

#include "core/blas.h"
#include "core/error.h"
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
// not depend on the schedule.
template <class Fn>
void for_each_bin(int bins, int rows, Fn&& fn) {
  int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  int row_chunks = bins >= 2 * nt ? 1 : std::max(1, std::min(rows, (2 * nt + bins - 1) / bins));
  int tasks = bins * row_chunks;
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
  for (int r = 0; r < rows; ++r) {
    float* dst = buffer.data() + static_cast<std::size_t>(r) * padded_width;
    std::copy(src + static_cast<std::size_t>(r) * width, src + static_cast<std::size_t>(r + 1) * width, dst);
    std::fill(dst + width, dst + padded_width, 0.0f);
  }
  return buffer.data();
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
  const std::size_t blocks = static_cast<std::size_t>(p_) * q_;
  ensure_size(weight_spectra_, blocks * bins_);
  fft::forward({k_, static_cast<int>(blocks), k_, 1, static_cast<std::ptrdiff_t>(blocks)}, param(0).data(),
               weight_spectra_.data());
}

void BcDense::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  const int B = x.batch();
  const std::ptrdiff_t bq = static_cast<std::ptrdiff_t>(B) * q_, bp = static_cast<std::ptrdiff_t>(B) * p_;
  compute_weight_spectra();

  const float* xp = pad_rows(x.data(), B, n_, q_ * k_, padded_);
  ensure_size(x_spectra_, bq * bins_);
  fft::forward({k_, static_cast<int>(bq), k_, 1, bq}, xp, x_spectra_.data());

  // Per bin: Y_f (B x p) = X_f (B x q) W_f^T, W_f (p x q).
  ensure_size(out_spectra_, bp * bins_);
  for_each_bin(bins_, B, [&](int f, int r0, int r1) {
    const fft::complex* xf = x_spectra_.data() + f * bq + static_cast<std::ptrdiff_t>(r0) * q_;
    const fft::complex* wf = weight_spectra_.data() + static_cast<std::ptrdiff_t>(f) * p_ * q_;
    fft::complex* yf = out_spectra_.data() + f * bp + static_cast<std::ptrdiff_t>(r0) * p_;
    cgemm(ComplexOp::none, ComplexOp::trans, r1 - r0, p_, q_, xf, q_, wf, q_, 0.0f, yf, p_);
  });

  ensure_size(padded_, static_cast<std::size_t>(bp) * k_);
  fft::inverse({k_, static_cast<int>(bp), k_, 1, bp}, out_spectra_.data(), padded_.data());

  y.resize(B, {m_});
  const float scale = 1.0f / static_cast<float>(k_);  // the single 1/k of the unnormalized c2r
  const float* bias = param(1).data();
  for (int b = 0; b < B; ++b) {
    const float* src = padded_.data() + static_cast<std::size_t>(b) * p_ * k_;
    float* dst = y.sample(b);
    for (int o = 0; o < m_; ++o) dst[o] = src[o] * scale + bias[o];
  }
}

void BcDense::backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) {
  const int B = dy.batch();
  const std::ptrdiff_t bq = static_cast<std::ptrdiff_t>(B) * q_, bp = static_cast<std::ptrdiff_t>(B) * p_;
  const float scale = 1.0f / static_cast<float>(k_);
  (void)x;  // its spectra were kept by forward

  float* bias_grad = grad(1).data();
  std::fill(bias_grad, bias_grad + m_, 0.0f);
  for (int b = 0; b < B; ++b) {
    const float* g = dy.sample(b);
    for (int o = 0; o < m_; ++o) bias_grad[o] += g[o];
  }

  // G = rfft(dL/dy), reusing out_spectra_ (forward's output spectra are no longer needed).
  const float* gp = pad_rows(dy.data(), B, m_, p_ * k_, padded_);
  fft::forward({k_, static_cast<int>(bp), k_, 1, bp}, gp, out_spectra_.data());

  // dW_f (p x q) = G_f^T conj(X_f), summed over the batch inside the product.
  const std::size_t blocks = static_cast<std::size_t>(p_) * q_;
  ensure_size(weight_grad_spectra_, blocks * bins_);
  for_each_bin(bins_, p_, [&](int f, int r0, int r1) {
    const fft::complex* gf = out_spectra_.data() + f * bp + r0;
    const fft::complex* xf = x_spectra_.data() + f * bq;
    fft::complex* wf = weight_grad_spectra_.data() + f * static_cast<std::ptrdiff_t>(blocks) +
                       static_cast<std::ptrdiff_t>(r0) * q_;
    cgemm(ComplexOp::trans, ComplexOp::conj, r1 - r0, q_, B, gf, p_, xf, q_, 0.0f, wf, q_);
  });
  ensure_size(weight_grad_time_, blocks * k_);
  fft::inverse({k_, static_cast<int>(blocks), k_, 1, static_cast<std::ptrdiff_t>(blocks)},
               weight_grad_spectra_.data(), weight_grad_time_.data());
  float* wg = grad(0).data();
  for (std::size_t i = 0; i < blocks * k_; ++i) wg[i] = weight_grad_time_[i] * scale;

  if (!dx) return;
  // dX_f (B x q) = G_f conj(W_f).
  ensure_size(in_grad_spectra_, bq * bins_);
  for_each_bin(bins_, B, [&](int f, int r0, int r1) {
    const fft::complex* gf = out_spectra_.data() + f * bp + static_cast<std::ptrdiff_t>(r0) * p_;
    const fft::complex* wf = weight_spectra_.data() + f * static_cast<std::ptrdiff_t>(blocks);
    fft::complex* df = in_grad_spectra_.data() + f * bq + static_cast<std::ptrdiff_t>(r0) * q_;
    cgemm(ComplexOp::none, ComplexOp::conj, r1 - r0, q_, p_, gf, p_, wf, q_, 0.0f, df, q_);
  });
  ensure_size(padded_, static_cast<std::size_t>(bq) * k_);
  fft::inverse({k_, static_cast<int>(bq), k_, 1, bq}, in_grad_spectra_.data(), padded_.data());
  dx->resize(B, input_shape());
  for (int b = 0; b < B; ++b) {
    const float* src = padded_.data() + static_cast<std::size_t>(b) * q_ * k_;
    float* dst = dx->sample(b);
    for (int i = 0; i < n_; ++i) dst[i] = src[i] * scale;
  }
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
