#pragma once
// The layer interface. Every call does a whole batch of work, so a virtual call per layer per batch
// costs nothing measurable. Parameters and their gradients live in one arena owned by the network;
// a layer sees spans into it, so the optimizer sees a single vector.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"

namespace bcnn {

struct ParamSpec {
  std::string name;  // dataset name in the model file ("weight", "bias")
  Shape shape;
  bool decay = true;  // weight decay applies (weights yes, biases no)
  // False for state the layer updates itself (batchnorm's running statistics): it lives in the
  // arena and the model file like any parameter, but the optimizer never changes it and its
  // gradient stays zero.
  bool trainable = true;
};

// Per-sample forward cost, and the same for the dense layer the block-circulant one replaces.
struct LayerCost {
  std::int64_t params = 0;
  std::int64_t dense_params = 0;
  std::int64_t macs = 0;        // real multiply-accumulates per sample (a complex MAC counts 4)
  std::int64_t dense_macs = 0;
};

// Sums over the shards of a global batch in data-parallel training (train.shards, MPI ranks):
// replaces every value by its sum over all shards, added in shard order, so that every shard gets
// the same bits however the shards run (threads of one process or processes).
class ShardReducer {
 public:
  virtual ~ShardReducer() = default;
  virtual void sum(std::span<double> values) = 0;
};

struct ForwardContext {
  bool training = false;
  std::uint64_t seed = 0;   // run seed: drives dropout masks
  std::uint64_t step = 0;   // optimizer step: with the layer index, keys the random streams
  // This batch's place in the global batch when it is one shard of it: the index of its first
  // sample (random streams follow the global index), and the reducer that batch statistics
  // (batchnorm) are summed over the shards with; null when the batch is the whole batch.
  std::uint64_t first_sample = 0;
  ShardReducer* shards = nullptr;
};

class Layer {
 public:
  Layer(std::string name, Shape input_shape) : name_(std::move(name)), input_shape_(std::move(input_shape)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  virtual std::string_view type() const = 0;
  virtual Shape output_shape() const = 0;
  // The layer's hyperparameters as they appear in the network JSON (without "type" and "name").
  virtual nlohmann::json config() const { return nlohmann::json::object(); }
  virtual std::vector<ParamSpec> param_specs() const { return {}; }
  virtual int block_size() const { return 0; }
  virtual LayerCost cost() const { return {}; }
  virtual void init_params(Rng& /*rng*/) {}

  // y = f(x). `y` is resized by the layer.
  virtual void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) = 0;
  // From dL/dy: writes (not accumulates) the parameter gradients and, when dx is not null, dL/dx.
  // x and y are the tensors of the last forward call.
  virtual void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) = 0;

  const std::string& name() const { return name_; }
  const Shape& input_shape() const { return input_shape_; }
  int index() const { return index_; }
  void set_index(int index) { index_ = index; }

  // Called by the network once its arena exists: one span per ParamSpec, in order.
  void bind(std::vector<std::span<float>> params, std::vector<std::span<float>> grads) {
    params_ = std::move(params);
    grads_ = std::move(grads);
  }
  std::span<float> param(int i) { return params_[i]; }
  std::span<const float> param(int i) const { return params_[i]; }
  std::span<float> grad(int i) { return grads_[i]; }

 private:
  std::string name_;
  Shape input_shape_;
  int index_ = 0;
  std::vector<std::span<float>> params_;
  std::vector<std::span<float>> grads_;
};

}  // namespace bcnn
