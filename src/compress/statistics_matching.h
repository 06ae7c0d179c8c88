#pragma once
// bcnn-compress --match-statistics: a data-driven start for fine-tuning. The projection of a
// trained dense layer keeps its mean (the all-ones direction is block-circulant) but little of the
// rest, about 1/sqrt(k) of its norm: on non-negative inputs (after a ReLU) the outputs are then
// dominated by their mean and the ReLUs after the layer fall silent. So, layer by layer in network
// order, each replaced layer gets one scale for its weight (its outputs' spread, pooled over
// channels, becomes the dense layer's) and a bias per output channel (each channel's mean becomes
// the dense layer's), measured on the same images fed through the compressed network as corrected
// so far, against the dense network's. A block-circulant weight stays block-circulant under one
// scale, which a scale per channel would not.
#include <string>
#include <vector>

#include "data/dataset.h"
#include "net/network.h"

namespace bcnn {

struct MatchedLayer {
  std::string name;
  double scale = 1;
};

// `dense` and `compressed` have the same layers but for the replaced ones, named in `replaced`;
// `images` are normalized as in training. Uses the first `max_images` of them in batches of `batch`.
std::vector<MatchedLayer> match_output_statistics(Network& dense, Network& compressed,
                                                  const std::vector<std::string>& replaced, const Dataset& images,
                                                  int max_images, int batch);

}  // namespace bcnn
