#pragma once
// bcnn-compress: a trained dense model made block-circulant. Every dense and conv2d layer chosen
// becomes its block-circulant kind (bc_dense, bc_conv2d) with the same hyperparameters and a block
// size, its weight the nearest block-circulant one (compress/projection.h), its bias copied; every
// other layer keeps its parameters. The result is the starting point of a fine-tuning
// (bcnn-train --init).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/network.h"

namespace bcnn {

struct CompressOptions {
  // Applied to every dense and conv2d layer whose weight has at least `block` inputs and `block`
  // outputs (a layer narrower than a block, such as a first convolution over 1 or 3 channels or a
  // 10-class output layer, gains nothing or loses most of its weights: it stays dense), except the
  // output layer (the last with a weight), which stays dense as the classifiers of the papers do. 0: none.
  int block = 0;
  // Per layer, overriding `block`: a block size, or 0 to keep the layer dense.
  std::map<std::string, int> layer_blocks;
};

struct LayerCompression {
  std::string name;
  std::string from_type, to_type;  // to_type == from_type when the layer stays as it is
  int block = 0;                   // 0 when it stays
  std::int64_t params_before = 0, params_after = 0;
  double relative_error = 0;       // ||W - W'||_F / ||W||_F of the weight
  std::string kept_because;        // why a dense or conv2d layer stays dense (empty otherwise)
};

struct CompressedNetwork {
  std::unique_ptr<Network> network;  // allocated, parameters set
  nlohmann::json config;             // the source config with the changed layers
  std::vector<LayerCompression> layers;  // one per dense or conv2d layer of the source, in order
};

// `config` is the source model's stored configuration (network description and "train"), `origin`
// names it in errors. Throws bcnn::Error for a --layer naming no layer or a layer that is not
// dense or conv2d, and for a block size outside what the layer kinds accept.
CompressedNetwork compress_network(const Network& source, const nlohmann::json& config, const std::string& origin,
                                   const CompressOptions& options);

// "fc1: dense 3,211,264 -> bc_dense 50,176 parameters (block 64), projection error 0.912" and the like.
std::string compression_table(const std::vector<LayerCompression>& layers);

}  // namespace bcnn
