#include "data/augment.h"

#include <algorithm>

#include "core/random.h"

namespace bcnn {

AugmentSpec AugmentSpec::from_json(JsonObject& o, const Shape& input) {
  AugmentSpec s;
  const bool images = input.size() == 3;
  const long max_padding = images ? std::min(input[1], input[2]) : 1 << 20;
  s.crop_padding = static_cast<int>(o.get_int("crop_padding", 0, 0, max_padding));
  s.flip = o.get_bool("flip", false);
  o.reject_unknown_keys();
  if (s.enabled() && !images)
    o.fail_here("expected a network input of shape (C, H, W) for random crops and flips, found " +
                shape_string(input));
  return s;
}

nlohmann::json AugmentSpec::to_json() const { return {{"crop_padding", crop_padding}, {"flip", flip}}; }

AugmentChoice augment_choice(const AugmentSpec& spec, std::uint64_t seed, int epoch, int index) {
  Rng rng(seed, Stream::augment, static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(index));
  const std::uint64_t positions = 2 * static_cast<std::uint64_t>(spec.crop_padding) + 1;
  AugmentChoice c;
  c.dy = static_cast<int>(rng.below(positions));
  c.dx = static_cast<int>(rng.below(positions));
  const bool flip_bit = (rng.next() >> 63) != 0;
  c.flip = spec.flip && flip_bit;
  return c;
}

void augment_image(const float* image, float* out, int channels, int height, int width, int crop_padding,
                   const AugmentChoice& choice) {
  const int shift_y = choice.dy - crop_padding;  // source row = y + shift_y
  const int shift_x = choice.dx - crop_padding;
  for (int c = 0; c < channels; ++c) {
    const float* plane = image + static_cast<std::size_t>(c) * height * width;
    float* out_plane = out + static_cast<std::size_t>(c) * height * width;
    for (int y = 0; y < height; ++y) {
      float* row = out_plane + static_cast<std::size_t>(y) * width;
      const int sy = y + shift_y;
      if (sy < 0 || sy >= height) {
        std::fill(row, row + width, 0.0f);
        continue;
      }
      const float* source = plane + static_cast<std::size_t>(sy) * width;
      for (int x = 0; x < width; ++x) {
        const int sx = (choice.flip ? width - 1 - x : x) + shift_x;
        row[x] = sx >= 0 && sx < width ? source[sx] : 0.0f;
      }
    }
  }
}

}  // namespace bcnn
