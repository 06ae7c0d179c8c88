#pragma once
// Training-time augmentation, train.augment in a configuration: a random crop of the image's own
// size out of the image padded with `crop_padding` zeros on every side, then a horizontal flip
// with probability 1/2. The choices for an image are a pure function of (seed, epoch, index):
// they do not depend on the batch the image lands in, the thread count or on resuming.
#include <nlohmann/json.hpp>

#include <cstdint>

#include "core/tensor.h"
#include "net/json_reader.h"

namespace bcnn {

struct AugmentSpec {
  int crop_padding = 0;  // 0: no crop
  bool flip = false;

  bool enabled() const { return crop_padding > 0 || flip; }

  // Reads {"crop_padding": P, "flip": bool} (both optional) for images of sample shape `input`,
  // which must be (C, H, W), with P at most min(H, W).
  static AugmentSpec from_json(JsonObject& object, const Shape& input);
  nlohmann::json to_json() const;
};

// Where the crop window starts in the padded image (0 .. 2 * crop_padding; crop_padding is the
// unshifted image) and whether the crop is mirrored left to right.
struct AugmentChoice {
  int dy = 0;
  int dx = 0;
  bool flip = false;
};

// The choice for image `index` (its position in the training set) in epoch `epoch` (0-based),
// drawn from Rng(seed, Stream::augment, epoch, index): dy, dx, then the flip bit, always all
// three, so that switching one option off does not change the others' draws.
AugmentChoice augment_choice(const AugmentSpec& spec, std::uint64_t seed, int epoch, int index);

// Writes the augmented `image` (C x H x W, row-major) to `out` (same shape; not aliasing `image`):
// out[c][y][x] = padded[c][y + dy][x' + dx] with x' = W - 1 - x when flipped, else x, where
// padded is the image surrounded by `crop_padding` zeros. Zero is the network-input value, so
// after normalization the padding is the per-channel mean colour.
void augment_image(const float* image, float* out, int channels, int height, int width, int crop_padding,
                   const AugmentChoice& choice);

}  // namespace bcnn
