#pragma once
// One harness for every layer: build it from its JSON, bind parameter storage, fill inputs, and
// check both gradients by central finite differences (Caffe's GradientChecker, with a `kink`
// guard for points where the layer is not differentiable, such as ReLU at 0).
#include <doctest/doctest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "layers/layer.h"

namespace bcnn::testing {

struct BoundLayer {
  std::unique_ptr<Layer> layer;
  std::vector<AlignedVector<float>> params, grads;
  Layer* operator->() { return layer.get(); }
};

// Builds a layer from its JSON ({"type": ..., ...}) for samples of `input` shape, with parameters
// initialized from `seed` and random biases (so that tests see them; trainable arrays without
// weight decay count as biases, non-trainable state keeps the layer's initial values).
BoundLayer make_layer(const nlohmann::json& spec, const Shape& input, std::uint64_t seed = 1);

// A tensor of uniform values in [-1, 1).
Tensor random_tensor(int batch, const Shape& shape, std::uint64_t seed);

struct GradCheck {
  double step = 1e-2;      // finite-difference step
  double tolerance = 2e-3; // on |numeric - analytic| / max(1, |numeric|, |analytic|)
  double kink = 0.0;       // skip checks whose input lies within this of a non-differentiable point (0)
  int max_checks = 200;    // sample at most this many coordinates of each tensor
  ForwardContext context{}; 
};

// Checks dL/dx and every trainable dL/dparam of the layer for L = sum(y * r), r random, by central
// differences (and that the gradients of non-trainable arrays stay zero). Reports through doctest CHECKs; returns the worst relative error seen.
double check_gradients(BoundLayer& bound, const Tensor& x, const GradCheck& options = {});

}  // namespace bcnn::testing
