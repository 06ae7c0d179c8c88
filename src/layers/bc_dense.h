#pragma once
// Block-circulant fully connected layer (DESIGN.md section 2): weight (p, q, k), block (i, j) is
// the circulant matrix whose first column is w[i][j]. Forward and backward run in the frequency
// domain; the dense matrix is never formed except by bc_dense_to_dense, the test oracle.
#include "fft/fft.h"
#include <memory>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class BcDense : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  BcDense(std::string name, Shape input_shape, int units, int block, std::string init);

  std::string_view type() const override { return "bc_dense"; }
  Shape output_shape() const override { return {m_}; }
  nlohmann::json config() const override;
  std::vector<ParamSpec> param_specs() const override;
  int block_size() const override { return k_; }
  LayerCost cost() const override;
  void init_params(Rng& rng) override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  int inputs() const { return n_; }
  int units() const { return m_; }
  int block_rows() const { return p_; }
  int block_cols() const { return q_; }

 private:
  void compute_weight_spectra();
  // The per-bin products go to small_cgemm when each bin's weight matrix is small (p*q <= 1024:
  // measured faster there, e.g. the MNIST MLP's 16 x 13), to OpenBLAS's cgemm otherwise (at
  // p = q = 256 small_cgemm took 1.5x as long).
  bool small_products() const { return static_cast<long>(p_) * q_ <= 1024; }

  int n_, m_, k_, p_, q_, bins_;
  std::string init_;
  // Scratch reused across calls (resized only when the batch grows): padded time-domain blocks
  // and spectra laid out bin-major, [bin][batch][block], so each bin is one complex matrix
  // (bins a bin_stride() apart, not a power of two, so they do not collide in the cache).
  AlignedVector<float> padded_;
  AlignedVector<fft::complex> x_spectra_;       // (bins, B * q), kept from forward for backward
  AlignedVector<fft::complex> out_spectra_;     // (bins, B * p)
  AlignedVector<fft::complex> in_grad_spectra_; // (bins, B * q)
  AlignedVector<fft::complex> weight_spectra_;  // (bins, p * q), times 1/k, from the last forward
  AlignedVector<fft::complex> weight_grad_spectra_;
};

// The dense (m x n) matrix equal to a block-circulant weight w of shape (p, q, k):
// W[r][c] = w[r / k][c / k][(r % k - c % k) mod k].
std::vector<double> bc_dense_to_dense(std::span<const float> w, int p, int q, int k, int m, int n);

// Approximate real multiply-accumulates of one real FFT of length k (split-radix estimate,
// used for cost reports only).
std::int64_t real_fft_macs(int k);

}  // namespace bcnn
