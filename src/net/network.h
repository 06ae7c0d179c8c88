#pragma once
// A network: the layers built from a JSON description (with shape inference from its `input`),
// one contiguous arena of parameters and one of gradients, and the activations of the last
// forward pass.
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace bcnn {

inline constexpr const char* network_format_name = "bcnn-network";
inline constexpr int network_format_version = 1;

// A layer name: 1 to 64 of [A-Za-z0-9_.-], not starting with '.' or '-' (so it can name an HDF5
// group, a file and a C++ identifier's suffix).
bool valid_layer_name(const std::string& name);

struct ParamRange {
  int layer;
  int spec;          // index into the layer's param_specs()
  std::size_t offset;
  std::size_t size;
  bool decay;
  bool trainable = true;  // ParamSpec::trainable
};

class Network {
 public:
  // Validates the description (format, version, input, layers: types, keys, shapes, names) and
  // builds the layers. Errors name `origin`, the JSON pointer, the expected and the found.
  // Keys other than format/version/input/layers/description are left to the caller (e.g. "train").
  // Every sample size (input, each layer's output, each parameter array) is at most
  // max_sample_values, checked in 64-bit arithmetic.
  static std::unique_ptr<Network> build(const nlohmann::json& description, const std::string& origin);
  // The same without the parameter and gradient arenas: shapes, costs and param_count() are
  // known, so a caller can estimate the memory a run needs and refuse it before allocate().
  static std::unique_ptr<Network> build_layers(const nlohmann::json& description, const std::string& origin);
  // Allocates the arenas (zeros) and binds the layers to them; refuses (bcnn::Error) when the
  // parameters and gradients alone exceed the available memory. Idempotent.
  void allocate();

  const Shape& input_shape() const { return input_shape_; }
  Shape output_shape() const { return layers_.empty() ? input_shape_ : layers_.back()->output_shape(); }
  int num_classes() const { return static_cast<int>(shape_size(output_shape())); }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  Layer* find_layer(const std::string& name) const;

  std::span<float> params() { return {params_.data(), params_.size()}; }
  std::span<const float> params() const { return {params_.data(), params_.size()}; }
  std::span<float> grads() { return {grads_.data(), grads_.size()}; }
  const std::vector<ParamRange>& param_ranges() const { return ranges_; }

  // Initializes every layer's parameters from `seed` (each layer its own stream).
  void init_params(std::uint64_t seed);

  // Runs the layers on x (kept by reference for backward) and returns the logits.
  const Tensor& forward(const Tensor& x, const ForwardContext& ctx);
  // Back-propagates dL/dlogits, filling grads().
  // `layer_done(i)`, when given, is called as soon as layer i's parameter gradients are final (from
  // the last layer down): data-parallel training sends them while the layers below still compute.
  void backward(const Tensor& grad_logits, const std::function<void(int)>& layer_done = {});
  // Output of layer i from the last forward.
  const Tensor& output(int i) const { return outputs_[i]; }

  // Per-layer forward wall time, summed over the forward calls made while profiling is on
  // (bcnn-eval's per-layer times). Turning it on resets the sums.
  void set_profiling(bool on) {
    if (on) layer_seconds_.assign(layers_.size(), 0.0);
    profiling_ = on;
  }
  const std::vector<double>& layer_seconds() const { return layer_seconds_; }

  // The resolved description: every layer with its name and every hyperparameter, defaults filled.
  nlohmann::json description() const;
  // Human-readable layer table: name, type, output shape, parameters, block size, compression.
  std::string layer_table() const;

  std::int64_t param_count() const { return param_count_; }
  LayerCost total_cost() const;

 private:
  Shape input_shape_;
  std::vector<std::unique_ptr<Layer>> layers_;
  AlignedVector<float> params_, grads_;
  std::vector<ParamRange> ranges_;
  std::int64_t param_count_ = 0;
  bool allocated_ = false;
  const Tensor* input_ = nullptr;
  std::vector<Tensor> outputs_;
  Tensor grad_a_, grad_b_;
  bool profiling_ = false;
  std::vector<double> layer_seconds_;
};

}  // namespace bcnn
