#include "layers/bc_conv2d.h"

#include <omp.h>

#include "core/blas.h"
#include "core/error.h"
#include "core/simd.h"
#include "core/threads.h"
#include "layers/bc_dense.h"
#include "layers/conv2d.h"
#include "layers/init.h"

namespace bcnn {
namespace {

template <class V>
void ensure_size(V& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

std::ptrdiff_t round_up(std::ptrdiff_t n, std::ptrdiff_t multiple) { return (n + multiple - 1) / multiple * multiple; }

// Below this many real multiply-accumulates in the complex products a batch runs on one thread:
// waking the others costs more.
constexpr long min_parallel_macs = 1L << 20;

// How a batch is split. A group is about `group_columns` output positions of whole samples: one
// thread takes it through the whole pipeline (pack, rfft, per bin im2col + complex products,
// irfft, unpack) while its buffers stay in that core's cache, and a pass over the batch has a
// single fork and join. A task is a run of consecutive groups; dL/dW and dL/db are summed per
// task, then over tasks in order. Groups and tasks depend on the batch and the shape only, never
// on the thread count.
constexpr int group_columns = 512;
constexpr int max_tasks = 16;

struct BatchSplit {
  int batch = 0, group = 0, groups = 0, tasks = 0;
  std::ptrdiff_t lds = 0, ldy = 0;  // bin strides of one group's input and output spectra
  std::ptrdiff_t in_stride = 0;     // one group's input spectra (kept from forward for backward)
  // Per-thread scratch: channel-block vectors (floats), im2col block and output spectra (complex).
  // Multiples of 64 bytes, so that every thread's buffers share FFTW plans.
  std::ptrdiff_t real_stride = 0, col_stride = 0, out_stride = 0;

  int first_group(int task) const { return static_cast<int>(static_cast<long>(groups) * task / tasks); }
  int first_sample(int group_index) const { return group_index * group; }
  int samples(int group_index) const { return std::min(batch, (group_index + 1) * group) - group_index * group; }
};

BatchSplit split_batch(int batch, const WindowGeometry& g, int p, int q, int k, int bins) {
  BatchSplit s;
  const int P = g.output_pixels(), HW = g.input_pixels(), Kc = q * g.taps();
  s.batch = batch;
  s.group = std::max(1, std::min(batch, group_columns / std::max(1, P)));
  s.groups = (batch + s.group - 1) / s.group;
  s.tasks = std::min(s.groups, max_tasks);
  const std::ptrdiff_t in_count = static_cast<std::ptrdiff_t>(s.group) * q * HW;
  const std::ptrdiff_t out_count = static_cast<std::ptrdiff_t>(p) * s.group * P;
  s.lds = fft::bin_stride(in_count);
  s.ldy = fft::bin_stride(out_count);
  s.in_stride = s.lds * bins;
  s.real_stride = round_up(std::max(in_count, out_count) * k, 16);
  s.col_stride = round_up(static_cast<std::ptrdiff_t>(Kc) * s.group * P, 8);
  s.out_stride = s.ldy * bins;
  return s;
}

// Channel blocks to contiguous vectors: real[((n*q + j)*HW + pixel)*k + u] = x[n0 + n][j*k + u][pixel],
// 0 for the padding channels past C.
void pack_input(const Tensor& x, int n0, int count, int q, int k, int channels, int pixels, float* real) {
  for (int t = 0; t < count * q; ++t) {
    const int n = t / q, j = t % q;
    float* dst = real + static_cast<std::ptrdiff_t>(t) * pixels * k;
    for (int u = 0; u < k; ++u) {
      const int c = j * k + u;
      if (c >= channels) {
        for (int pixel = 0; pixel < pixels; ++pixel) dst[pixel * k + u] = 0.0f;
        continue;
      }
      const float* src = x.sample(n0 + n) + static_cast<std::ptrdiff_t>(c) * pixels;
      for (int pixel = 0; pixel < pixels; ++pixel) dst[pixel * k + u] = src[pixel];
    }
  }
}

// The output layout: y[n0 + n][i*k + v][position] = real[((i*count + n)*P + position)*k + v] + bias.
void unpack_output(const float* real, int n0, int count, int p, int k, int filters, int positions, const float* bias,
                   Tensor& y) {
  for (int t = 0; t < count * p; ++t) {
    const int n = t / p, i = t % p;
    const float* src = real + (static_cast<std::ptrdiff_t>(i) * count + n) * positions * k;
    for (int v = 0; v < k && i * k + v < filters; ++v) {
      const int o = i * k + v;
      float* dst = y.sample(n0 + n) + static_cast<std::ptrdiff_t>(o) * positions;
      for (int pos = 0; pos < positions; ++pos) dst[pos] = src[pos * k + v] + bias[o];
    }
  }
}

// dL/dy into the output layout (0 for the padding channels), adding dL/db to bias_partial.
void pack_output_grad(const Tensor& dy, int n0, int count, int p, int k, int filters, int positions, float* real,
                      double* bias_partial) {
  for (int t = 0; t < count * p; ++t) {
    const int n = t / p, i = t % p;
    float* dst = real + (static_cast<std::ptrdiff_t>(i) * count + n) * positions * k;
    for (int v = 0; v < k; ++v) {
      const int o = i * k + v;
      if (o >= filters) {
        for (int pos = 0; pos < positions; ++pos) dst[pos * k + v] = 0.0f;
        continue;
      }
      const float* src = dy.sample(n0 + n) + static_cast<std::ptrdiff_t>(o) * positions;
      float sum = 0.0f;
      for (int pos = 0; pos < positions; ++pos) {
        dst[pos * k + v] = src[pos];
        sum += src[pos];
      }
      bias_partial[o] += sum;
    }
  }
}

// The input layout back to images: dx[n0 + n][j*k + u][pixel] = real[((n*q + j)*HW + pixel)*k + u].
void unpack_input_grad(const float* real, int n0, int count, int q, int k, int channels, int pixels, Tensor& dx) {
  for (int t = 0; t < count * q; ++t) {
    const int n = t / q, j = t % q;
    const float* src = real + static_cast<std::ptrdiff_t>(t) * pixels * k;
    for (int u = 0; u < k && j * k + u < channels; ++u) {
      float* dst = dx.sample(n0 + n) + static_cast<std::ptrdiff_t>(j * k + u) * pixels;
      for (int pixel = 0; pixel < pixels; ++pixel) dst[pixel] = src[pixel * k + u];
    }
  }
}

}  // namespace

BcConv2d::BcConv2d(std::string name, Shape input_shape, int filters, const WindowGeometry& geometry, Padding padding,
                   int block, std::string init)
    : Layer(std::move(name), std::move(input_shape)),
      filters_(filters),
      k_(block),
      g_(geometry),
      padding_(padding),
      init_(std::move(init)) {
  p_ = (filters_ + k_ - 1) / k_;
  q_ = (g_.channels + k_ - 1) / k_;
  bins_ = fft::bins(k_);
  set_algorithm(BcConvAlgorithm::automatic);
}

void BcConv2d::set_algorithm(BcConvAlgorithm algorithm) {
  plan_.reset();
  if (algorithm == BcConvAlgorithm::im2col) return;
  if (!freq_conv_applies(g_, k_)) {
    if (algorithm == BcConvAlgorithm::direct)
      throw Error("bc_conv2d \"" + name() +
                  "\": the direct algorithm needs stride 1 and a block of 1, 2, 4, 8, 16 or 32, found stride " +
                  std::to_string(g_.stride_h) + "x" + std::to_string(g_.stride_w) + " and block " + std::to_string(k_));
    return;
  }
  FreqConvPlan plan = make_freq_conv_plan(g_, p_, q_);
  if (algorithm == BcConvAlgorithm::automatic && 2 * plan.t_vec > 3 * g_.output_pixels()) return;
  plan_ = std::move(plan);
}

nlohmann::json BcConv2d::config() const {
  return {{"filters", filters_},
          {"kernel", {g_.kernel_h, g_.kernel_w}},
          {"stride", {g_.stride_h, g_.stride_w}},
          {"padding", padding_.to_json()},
          {"block", k_},
          {"init", init_}};
}

std::vector<ParamSpec> BcConv2d::param_specs() const {
  return {{"weight", {p_, q_, g_.kernel_h, g_.kernel_w, k_}, true}, {"bias", {filters_}, false}};
}

LayerCost BcConv2d::cost() const {
  const std::int64_t taps = g_.taps(), P = g_.output_pixels(), HW = g_.input_pixels();
  const std::int64_t dense_weights = static_cast<std::int64_t>(filters_) * g_.channels * taps;
  LayerCost c;
  c.params = static_cast<std::int64_t>(p_) * q_ * taps * k_ + filters_;
  c.dense_params = dense_weights + filters_;
  // rfft of q*H*W input vectors, p*out_h*out_w inverse transforms, and per bin a
  // (p x q*kh*kw) by (q*kh*kw x positions) complex product.
  c.macs = (q_ * HW + p_ * P) * real_fft_macs(k_) + 4LL * bins_ * p_ * q_ * taps * P;
  c.dense_macs = dense_weights * P;
  return c;
}

void BcConv2d::init_params(Rng& rng) {
  // The fan-in of every output is C_in * kh * kw (all input channels), not k * kh * kw.
  init_weights(init_, param(0), g_.channels * g_.taps(), filters_ * g_.taps(), rng);
  std::fill(param(1).begin(), param(1).end(), 0.0f);
}

void BcConv2d::compute_weight_spectra() {
  const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(p_) * q_ * g_.taps();
  const std::ptrdiff_t ldw = fft::bin_stride(blocks);
  ensure_size(weight_spectra_, static_cast<std::size_t>(ldw) * bins_);
  fft::forward({k_, static_cast<int>(blocks), k_, 1, ldw}, param(0).data(), weight_spectra_.data());
  // The single 1/k of FFTW's unnormalized inverse lives here, as in bc_dense: y = irfft(W X) and
  // dL/dx = irfft(W^H G) need no extra pass; dL/dw applies its own 1/k.
  const float scale = 1.0f / static_cast<float>(k_);
  for (int f = 0; f < bins_; ++f)
    for (std::ptrdiff_t i = 0; i < blocks; ++i) weight_spectra_[f * ldw + i] *= scale;
}

void BcConv2d::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  if (plan_) return forward_direct(x, y);
  const int B = x.batch(), C = g_.channels, HW = g_.input_pixels(), P = g_.output_pixels();
  const int Kc = q_ * g_.taps();
  const BatchSplit s = split_batch(B, g_, p_, q_, k_, bins_);
  const std::ptrdiff_t ldw = fft::bin_stride(static_cast<std::ptrdiff_t>(p_) * Kc);
  const long macs = 4L * bins_ * p_ * Kc * B * P;
  // The transforms inside split their batches when the loop runs plain (core/threads.h).
  const int parts = macs < min_parallel_macs ? 1 : split_count();
  compute_weight_spectra();
  ensure_size(in_spectra_, static_cast<std::size_t>(s.in_stride) * s.groups);
  ensure_size(real_, static_cast<std::size_t>(s.real_stride) * parts);
  ensure_size(columns_, static_cast<std::size_t>(s.col_stride) * parts);
  ensure_size(out_spectra_, static_cast<std::size_t>(s.out_stride) * parts);
  y.resize(B, output_shape());
  const float* bias = param(1).data();

  for_each_task(parts, s.tasks, [&](int task, int thread) {
    float* real = real_.data() + thread * s.real_stride;
    fft::complex* col = columns_.data() + thread * s.col_stride;
    fft::complex* out = out_spectra_.data() + thread * s.out_stride;
    for (int gi = s.first_group(task); gi < s.first_group(task + 1); ++gi) {
      const int n0 = s.first_sample(gi), count = s.samples(gi), cols = count * P;
      fft::complex* spectra = in_spectra_.data() + gi * s.in_stride;
      pack_input(x, n0, count, q_, k_, C, HW, real);
      fft::forward({k_, count * q_ * HW, k_, 1, s.lds}, real, spectra);
      // Per bin: Y_f (p x cols) = W_f (p x q*kh*kw) X_f, X_f the im2col of the group's spectra.
      for (int f = 0; f < bins_; ++f) {
        const fft::complex* sf = spectra + f * s.lds;
        for (int n = 0; n < count; ++n)
          im2col(g_, q_, sf + static_cast<std::ptrdiff_t>(n) * q_ * HW, HW, col + n * P, cols);
        cgemm(ComplexOp::none, ComplexOp::none, p_, cols, Kc, weight_spectra_.data() + f * ldw, Kc, col, cols, 0.0f,
              out + f * s.ldy, cols);
      }
      fft::inverse({k_, p_ * cols, k_, 1, s.ldy}, out, real);
      unpack_output(real, n0, count, p_, k_, filters_, P, bias, y);
    }
  });
}

void BcConv2d::backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx) {
  // x itself is not needed: forward kept its spectra.
  if (plan_) return backward_direct(dy, dx);
  const int B = dy.batch(), C = g_.channels, HW = g_.input_pixels(), P = g_.output_pixels();
  const int Kc = q_ * g_.taps();
  const BatchSplit s = split_batch(B, g_, p_, q_, k_, bins_);
  const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(p_) * Kc, ldw = fft::bin_stride(blocks);
  const long macs = 4L * bins_ * p_ * Kc * B * P;
  const int parts = macs < min_parallel_macs ? 1 : split_count();
  ensure_size(real_, static_cast<std::size_t>(s.real_stride) * parts);
  ensure_size(columns_, static_cast<std::size_t>(s.col_stride) * parts);
  ensure_size(out_spectra_, static_cast<std::size_t>(s.out_stride) * parts);
  ensure_size(weight_grad_partials_, static_cast<std::size_t>(blocks) * bins_ * s.tasks);
  bias_grad_partials_.assign(static_cast<std::size_t>(filters_) * s.tasks, 0.0);
  if (dx) dx->resize(B, input_shape());

  for_each_task(parts, s.tasks, [&](int task, int thread) {
    float* real = real_.data() + thread * s.real_stride;
    fft::complex* col = columns_.data() + thread * s.col_stride;
    fft::complex* grad_spectra = out_spectra_.data() + thread * s.out_stride;
    fft::complex* weight_partial = weight_grad_partials_.data() + static_cast<std::ptrdiff_t>(task) * bins_ * blocks;
    double* bias_partial = bias_grad_partials_.data() + static_cast<std::ptrdiff_t>(task) * filters_;
    for (int gi = s.first_group(task); gi < s.first_group(task + 1); ++gi) {
      const int n0 = s.first_sample(gi), count = s.samples(gi), cols = count * P;
      const bool first = gi == s.first_group(task);
      fft::complex* spectra = in_spectra_.data() + gi * s.in_stride;
      // dL/db, and G = rfft(dL/dy) over output channel blocks in forward's output layout.
      pack_output_grad(dy, n0, count, p_, k_, filters_, P, real, bias_partial);
      fft::forward({k_, p_ * cols, k_, 1, s.ldy}, real, grad_spectra);
      // Per bin: this group's share of dL/dW_f = G_f X_f^H; then dL/dX_f = W_f^H G_f, scattered
      // by col2im into the group's input spectra (no longer needed) as the spectra of dL/dx.
      for (int f = 0; f < bins_; ++f) {
        fft::complex* sf = spectra + f * s.lds;
        const fft::complex* gf = grad_spectra + f * s.ldy;
        for (int n = 0; n < count; ++n)
          im2col(g_, q_, sf + static_cast<std::ptrdiff_t>(n) * q_ * HW, HW, col + n * P, cols);
        cgemm(ComplexOp::none, ComplexOp::conj_trans, p_, Kc, cols, gf, cols, col, cols, first ? 0.0f : 1.0f,
              weight_partial + f * blocks, Kc);
        if (!dx) continue;
        cgemm(ComplexOp::conj_trans, ComplexOp::none, Kc, cols, p_, weight_spectra_.data() + f * ldw, Kc, gf, cols,
              0.0f, col, cols);
        std::fill(sf, sf + static_cast<std::ptrdiff_t>(count) * q_ * HW, fft::complex{});
        for (int n = 0; n < count; ++n)
          col2im(g_, q_, col + n * P, cols, sf + static_cast<std::ptrdiff_t>(n) * q_ * HW, HW);
      }
      if (!dx) continue;
      fft::inverse({k_, count * q_ * HW, k_, 1, s.lds}, spectra, real);
      unpack_input_grad(real, n0, count, q_, k_, C, HW, *dx);
    }
  });

  finish_gradients(s.tasks);
}

// The direct algorithm (stride 1, vector-FFT blocks): the same batch split into groups and tasks
// as im2col. Per sample, the FFT of every input channel block goes straight from the image into
// the zero-padded planes of all bins (kept for backward), the per-bin products run on the planes
// (layers/freq_conv.h), and the inverse FFT writes the output image; backward likewise.
void BcConv2d::forward_direct(const Tensor& x, Tensor& y) {
  const FreqConvPlan& plan = *plan_;
  const int B = x.batch(), C = g_.channels, P = g_.output_pixels();
  const int Kc = q_ * g_.taps();
  const BatchSplit s = split_batch(B, g_, p_, q_, k_, bins_);
  const std::ptrdiff_t ldw = fft::bin_stride(static_cast<std::ptrdiff_t>(p_) * Kc);
  // Input planes [sample][bin][j], output planes of one sample [bin][i].
  const std::ptrdiff_t x_plane = 2 * plan.x_stride, x_bin = q_ * x_plane, x_sample = bins_ * x_bin;
  const std::ptrdiff_t y_plane = 2 * plan.y_stride, y_bin = p_ * y_plane;
  const long macs = 4L * bins_ * p_ * Kc * B * P;
  const int nt = macs < min_parallel_macs ? 1 : std::min(split_count(), active_threads());
  compute_weight_spectra();
  ensure_size(in_planes_, static_cast<std::size_t>(x_sample) * s.group * s.groups);
  ensure_size(plane_scratch_, static_cast<std::size_t>(bins_ * y_bin) * nt);
  y.resize(B, output_shape());
  const float* bias = param(1).data();

#pragma omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1 && s.tasks > 1)
  for (int task = 0; task < s.tasks; ++task) {
    float* y_planes = plane_scratch_.data() + omp_get_thread_num() * bins_ * y_bin;
    for (int gi = s.first_group(task); gi < s.first_group(task + 1); ++gi)
      for (int n = s.first_sample(gi); n < s.first_sample(gi) + s.samples(gi); ++n) {
        float* planes = in_planes_.data() + n * x_sample;
        for (int j = 0; j < q_; ++j) freq_conv_input_planes(plan, k_, x.sample(n), C, j, planes + j * x_plane, x_bin);
        for (int f = 0; f < bins_; ++f)
          freq_conv_forward(plan, is_real_bin(f, k_), planes + f * x_bin, weight_spectra_.data() + f * ldw,
                            y_planes + f * y_bin);
        for (int i = 0; i < p_; ++i)
          freq_conv_output(plan, k_, y_planes + i * y_plane, y_bin, i, filters_, bias, y.sample(n));
      }
  }
}

void BcConv2d::backward_direct(const Tensor& dy, Tensor* dx) {
  const FreqConvPlan& plan = *plan_;
  const int B = dy.batch(), C = g_.channels, P = g_.output_pixels();
  const int Kc = q_ * g_.taps();
  const BatchSplit s = split_batch(B, g_, p_, q_, k_, bins_);
  const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(p_) * Kc, ldw = fft::bin_stride(blocks);
  const std::ptrdiff_t x_plane = 2 * plan.x_stride, x_bin = q_ * x_plane, x_sample = bins_ * x_bin;
  // Per thread: gradient planes of the group [sample][bin][i], then dL/dX planes of one sample [bin][j].
  const std::ptrdiff_t g_plane = 2 * plan.g_stride, g_bin = p_ * g_plane, g_sample = bins_ * g_bin;
  const std::ptrdiff_t d_plane = 2 * plan.d_stride, d_bin = q_ * d_plane;
  const std::ptrdiff_t scratch = s.group * g_sample + bins_ * d_bin;
  const long macs = 4L * bins_ * p_ * Kc * B * P;
  const int nt = macs < min_parallel_macs ? 1 : std::min(split_count(), active_threads());
  ensure_size(plane_scratch_, static_cast<std::size_t>(scratch) * nt);
  ensure_size(weight_grad_partials_, static_cast<std::size_t>(blocks) * bins_ * s.tasks);
  bias_grad_partials_.assign(static_cast<std::size_t>(filters_) * s.tasks, 0.0);
  if (dx) dx->resize(B, input_shape());

#pragma omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1 && s.tasks > 1)
  for (int task = 0; task < s.tasks; ++task) {
    float* g_planes = plane_scratch_.data() + omp_get_thread_num() * scratch;
    float* d_planes = g_planes + s.group * g_sample;
    fft::complex* weight_partial = weight_grad_partials_.data() + static_cast<std::ptrdiff_t>(task) * bins_ * blocks;
    double* bias_partial = bias_grad_partials_.data() + static_cast<std::ptrdiff_t>(task) * filters_;
    for (int gi = s.first_group(task); gi < s.first_group(task + 1); ++gi) {
      const int n0 = s.first_sample(gi), count = s.samples(gi);
      const float* planes = in_planes_.data() + n0 * x_sample;
      for (int n = 0; n < count; ++n) {
        const float* g = dy.sample(n0 + n);
        for (int o = 0; o < filters_; ++o) bias_partial[o] += simd::sum(g + static_cast<std::ptrdiff_t>(o) * P, P);
        for (int i = 0; i < p_; ++i)
          freq_conv_gradient_planes(plan, k_, g, filters_, i, g_planes + n * g_sample + i * g_plane, g_bin);
      }
      for (int f = 0; f < bins_; ++f)
        freq_conv_grad_weight(plan, is_real_bin(f, k_), count, g_planes + f * g_bin, g_sample, planes + f * x_bin,
                              x_sample, weight_partial + f * blocks, gi == s.first_group(task));
      if (!dx) continue;
      for (int n = 0; n < count; ++n) {
        for (int f = 0; f < bins_; ++f)
          freq_conv_grad_input(plan, is_real_bin(f, k_), g_planes + n * g_sample + f * g_bin,
                               weight_spectra_.data() + f * ldw, d_planes + f * d_bin);
        for (int j = 0; j < q_; ++j)
          freq_conv_input_grad(plan, k_, d_planes + j * d_plane, d_bin, j, C, dx->sample(n0 + n));
      }
    }
  }

  finish_gradients(s.tasks);
}

void BcConv2d::finish_gradients(int tasks) {
  // Sum the tasks' shares in task order, then invert once: dL/dw = irfft(dL/dW) / k.
  const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(p_) * q_ * g_.taps(), ldw = fft::bin_stride(blocks);
  ensure_size(weight_grad_spectra_, static_cast<std::size_t>(ldw) * bins_);
  for (int f = 0; f < bins_; ++f) {
    fft::complex* dst = weight_grad_spectra_.data() + f * ldw;
    std::copy(weight_grad_partials_.data() + f * blocks, weight_grad_partials_.data() + (f + 1) * blocks, dst);
    for (int task = 1; task < tasks; ++task) {
      const fft::complex* src = weight_grad_partials_.data() + (static_cast<std::ptrdiff_t>(task) * bins_ + f) * blocks;
      for (std::ptrdiff_t e = 0; e < blocks; ++e) dst[e] += src[e];
    }
  }
  float* wg = grad(0).data();
  fft::inverse({k_, static_cast<int>(blocks), k_, 1, ldw}, weight_grad_spectra_.data(), wg);
  const float scale = 1.0f / static_cast<float>(k_);
  for (std::ptrdiff_t i = 0; i < blocks * k_; ++i) wg[i] *= scale;
  float* bias_grad = grad(1).data();
  for (int o = 0; o < filters_; ++o) {
    double sum = 0.0;
    for (int task = 0; task < tasks; ++task) sum += bias_grad_partials_[static_cast<std::size_t>(task) * filters_ + o];
    bias_grad[o] = static_cast<float>(sum);
  }
}

std::vector<double> bc_conv2d_to_dense(std::span<const float> w, int p, int q, int kh, int kw, int k, int c_out,
                                       int c_in) {
  if (static_cast<std::int64_t>(w.size()) != static_cast<std::int64_t>(p) * q * kh * kw * k)
    throw Error("bc_conv2d_to_dense: weight has " + std::to_string(w.size()) + " values, expected p*q*kh*kw*k");
  std::vector<double> dense(static_cast<std::size_t>(c_out) * c_in * kh * kw);
  for (int co = 0; co < c_out; ++co)
    for (int ci = 0; ci < c_in; ++ci)
      for (int a = 0; a < kh; ++a)
        for (int b = 0; b < kw; ++b) {
          const int d = ((co % k) - (ci % k) + k) % k;
          const std::size_t src = ((((static_cast<std::size_t>(co / k) * q + ci / k) * kh + a) * kw + b) * k) + d;
          dense[((static_cast<std::size_t>(co) * c_in + ci) * kh + a) * kw + b] = w[src];
        }
  return dense;
}

std::unique_ptr<Layer> BcConv2d::from_json(JsonObject& spec, std::string name, const Shape& input) {
  int filters = read_int(spec, name, "filters", std::nullopt, 1, 1 << 16);
  Padding padding;
  WindowGeometry g = read_conv_window(spec, name, input, padding);
  int block = read_int(spec, name, "block", std::nullopt, 1, 4096);
  std::string init = spec.get_string("init", "he", init_names());
  return std::make_unique<BcConv2d>(std::move(name), input, filters, g, padding, block, init);
}

}  // namespace bcnn
