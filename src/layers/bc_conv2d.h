#pragma once
// Block-circulant 2-D convolution (DESIGN.md section 2): for every kernel tap (a, b) the
// C_out x C_in channel-mixing matrix is block-circulant with k x k blocks. Weight (p, q, kh, kw, k),
// p = ceil(C_out / k), q = ceil(C_in / k):
//   W[co][ci][a][b] = w[co / k][ci / k][a][b][(co % k - ci % k) mod k],
// input channels zero-padded to q*k, output channels cut to C_out; bias (C_out). Stride, padding
// and output size as conv2d.
//
// Computed in the frequency domain of the channel-block index. Write ci = j*k + u, co = i*k + v:
//   y[i*k + v][pos] = sum_{j,a,b} (w[i][j][a][b] (*) col[j][a][b][pos])[v]   ((*): circular over u)
// so, with rfft over u and X_f = rfft(col)_f, W_f = rfft(w)_f / k, per frequency bin f:
//   Y_f (p x positions) = W_f (p x q*kh*kw) X_f (q*kh*kw x positions),   y = irfft(Y).
// The rfft over channel blocks and the im2col gather over positions commute, so the input is
// transformed once per pixel (B*q*H*W transforms, not B*q*kh*kw*out_h*out_w) and im2col gathers
// spectra. Backward, with G = rfft(dL/dy) over output channel blocks:
//   dL/dX_f = W_f^H G_f, scattered back by col2im (in the frequency domain), dL/dx = irfft;
//   dL/dW_f = sum over the batch of G_f X_f^H, inverted once; dL/dw = irfft(dL/dW_f) / k.
// backward reads the input spectra kept by forward (x itself is not used) and, when it computes
// dL/dx, overwrites them: one backward per forward, as the network does.
//
// Two algorithms compute the per-bin products. `im2col` gathers the spectra into an im2col block and
// multiplies with cgemm (any stride). `direct` (stride 1, layers/freq_conv.h) keeps the spectra as
// zero-padded planar planes and reads every tap as a shifted plane, with real products for the real
// bins: no im2col expansion; its FFTs run on 16 pixels at a time straight between the NCHW images
// and the planes (fft/vector_fft.h), for blocks 1, 2, 4, 8, 16 and 32. `automatic` takes direct
// where it applies and its padded rows waste less than half the work (maps of about 8 x 8 and
// larger).
enum class BcConvAlgorithm { automatic, im2col, direct };
#include <memory>
#include <optional>

#include "fft/fft.h"
#include "layers/conv_geometry.h"
#include "layers/freq_conv.h"
#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class BcConv2d : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  BcConv2d(std::string name, Shape input_shape, int filters, const WindowGeometry& geometry, Padding padding, int block,
           std::string init);

  std::string_view type() const override { return "bc_conv2d"; }
  Shape output_shape() const override { return {filters_, g_.out_h, g_.out_w}; }
  nlohmann::json config() const override;
  std::vector<ParamSpec> param_specs() const override;
  int block_size() const override { return k_; }
  LayerCost cost() const override;
  void init_params(Rng& rng) override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  const WindowGeometry& geometry() const { return g_; }
  // Pins the algorithm (tests and benchmarks); `direct` needs stride 1 and a vector-FFT block.
  void set_algorithm(BcConvAlgorithm algorithm);
  // The algorithm forward and backward use.
  BcConvAlgorithm algorithm() const { return plan_ ? BcConvAlgorithm::direct : BcConvAlgorithm::im2col; }
  int filters() const { return filters_; }
  int block_rows() const { return p_; }
  int block_cols() const { return q_; }

 private:
  void compute_weight_spectra();
  void forward_direct(const Tensor& x, Tensor& y);
  void backward_direct(const Tensor& dy, Tensor* dx);
  // dL/dw and dL/db from the per-task partial sums of backward.
  void finish_gradients(int tasks);

  int filters_, k_, p_, q_, bins_;
  WindowGeometry g_;
  Padding padding_;
  std::string init_;
  // Scratch reused across calls (grown, never shrunk). Spectra are bin-major, [bin][...], bins a
  // fft::bin_stride() apart; the batch is processed in groups of samples (see the .cpp).
  AlignedVector<fft::complex> in_spectra_;            // per group: [bin][sample][j][pixel], kept for backward
  AlignedVector<float> real_;                         // per thread: channel-block vectors, k floats each
  AlignedVector<fft::complex> columns_;               // per thread: im2col block (q*kh*kw) x (group columns)
  AlignedVector<fft::complex> out_spectra_;           // per thread: [bin][i][sample][position], Y or G
  std::optional<FreqConvPlan> plan_;                  // set when the direct algorithm is in use
  AlignedVector<float> in_planes_;                    // direct: [sample][bin][j] input planes, kept for backward
  AlignedVector<float> plane_scratch_;                // direct, per thread: output, gradient and dL/dX planes
  AlignedVector<fft::complex> weight_spectra_;        // [bin][i][j][a][b], times 1/k
  AlignedVector<fft::complex> weight_grad_spectra_;   // [bin][i][j][a][b]
  AlignedVector<fft::complex> weight_grad_partials_;  // per task: [bin][i][j][a][b]
  std::vector<double> bias_grad_partials_;            // per task: [C_out]
};

// The dense conv2d weight (C_out, C_in, kh, kw) equal to a block-circulant weight w of shape
// (p, q, kh, kw, k): W[co][ci][a][b] = w[co / k][ci / k][a][b][(co % k - ci % k) mod k].
std::vector<double> bc_conv2d_to_dense(std::span<const float> w, int p, int q, int kh, int kw, int k, int c_out,
                                       int c_in);

}  // namespace bcnn
