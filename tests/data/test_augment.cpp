// Per-channel normalization and training augmentation (random crop with zero padding, horizontal
// flip): values on known images, determinism of the choices, and the configuration keys.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cli.h"
#include "core/error.h"
#include "data/augment.h"
#include "data/normalize.h"
#include "train/config.h"

namespace {

using bcnn::testing::contains;
using bcnn::testing::error_message;
using nlohmann::json;

// Image values that tell where they came from: channel c, row y, column x -> 1000c + 100y + x + 1
// (never 0, so padding is recognisable).
std::vector<float> coded_image(int channels, int height, int width) {
  std::vector<float> v;
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) v.push_back(static_cast<float>(1000 * c + 100 * y + x + 1));
  return v;
}

float coded(int c, int y, int x) { return static_cast<float>(1000 * c + 100 * y + x + 1); }

json cifar_net(const json& train) {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {3, 32, 32}},
          {"layers", {{{"type", "flatten"}}, {{"type", "dense"}, {"units", 10}}}},
          {"train", train}};
}

std::string config_error(const json& train) {
  return error_message([&] { bcnn::make_train_config(cifar_net(train), "run.json"); });
}

}  // namespace

TEST_CASE("normalize: (x - mean[c]) / std[c] per channel, in float32") {
  bcnn::Tensor images(2, {3, 2, 2});
  for (std::size_t i = 0; i < images.size(); ++i) images[i] = 1.0f;
  images.sample(1)[4] = 0.3f;  // channel 1, first pixel of the second image
  bcnn::Normalization n{{0.5, 0.25, 0.0}, {0.5, 0.25, 2.0}};
  bcnn::normalize_images(images, n);
  for (int b = 0; b < 2; ++b) {
    CHECK(images.sample(b)[0] == 1.0f);   // (1 - 0.5) / 0.5
    CHECK(images.sample(b)[3] == 1.0f);
    CHECK(images.sample(b)[5] == 3.0f);   // (1 - 0.25) / 0.25
    CHECK(images.sample(b)[8] == 0.5f);   // (1 - 0) / 2
    CHECK(images.sample(b)[11] == 0.5f);
  }
  CHECK(images.sample(0)[4] == 3.0f);
  CHECK(images.sample(1)[4] == (0.3f - 0.25f) / 0.25f);

  // Not enabled: nothing changes.
  bcnn::normalize_images(images, bcnn::Normalization{});
  CHECK(images.sample(0)[5] == 3.0f);

  // A normalization of another channel count is refused.
  bcnn::Normalization two{{0.5, 0.5}, {1.0, 1.0}};
  CHECK(contains(error_message([&] { bcnn::normalize_images(images, two); }), "2 channels"));
}

TEST_CASE("normalize: a dataset's description says so, the stored config gives it back") {
  bcnn::Dataset d;
  d.images.resize(1, {3, 1, 1});
  d.images[0] = 0.5f;
  d.images[1] = 0.5f;
  d.images[2] = 0.5f;
  d.labels = {0};
  d.description = "cifar10 test (x)";
  bcnn::TrainConfig config = bcnn::make_train_config(
      cifar_net({{"dataset", "cifar10"}, {"normalize", {{"mean", {0.5, 0.25, 0.0}}, {"std", {1, 0.5, 0.25}}}}}),
      "run.json");
  REQUIRE(config.train.normalize.enabled());
  CHECK(config.resolved["train"]["normalize"] == json{{"mean", {0.5, 0.25, 0.0}}, {"std", {1, 0.5, 0.25}}});

  bcnn::Normalization stored = bcnn::stored_normalization(config.resolved, "model.h5", 3);
  CHECK(stored.mean == std::vector<double>{0.5, 0.25, 0.0});
  CHECK(stored.stddev == std::vector<double>{1, 0.5, 0.25});
  bcnn::normalize_dataset(d, stored);
  CHECK(d.images[0] == 0.0f);
  CHECK(d.images[1] == 0.5f);
  CHECK(d.images[2] == 2.0f);
  CHECK(d.description == "cifar10 test (x), normalized");

  // A config without the key (and an old model's) means no normalization.
  bcnn::TrainConfig plain = bcnn::make_train_config(cifar_net({{"dataset", "cifar10"}}), "run.json");
  CHECK_FALSE(plain.resolved["train"].contains("normalize"));
  CHECK_FALSE(bcnn::stored_normalization(plain.resolved, "model.h5", 3).enabled());
  CHECK_FALSE(bcnn::stored_normalization(json::object(), "model.h5", 3).enabled());

  // A damaged stored value names the model file and the pointer.
  json damaged = config.resolved;
  damaged["train"]["normalize"]["std"] = {1, 0, 1};
  CHECK(error_message([&] { bcnn::stored_normalization(damaged, "model.h5", 3); }) ==
        "model.h5: config: /train/normalize/std: expected an array of 3 positive numbers (one per input channel), "
        "found array [1,0,1]");
}

TEST_CASE("normalize and augment: configuration errors name the pointer, expected and found") {
  CHECK(config_error({{"normalize", {{"mean", {0.5, 0.5}}, {"std", {1, 1, 1}}}}}) ==
        "run.json: /train/normalize/mean: expected an array of 3 numbers (one per input channel), found array "
        "[0.5,0.5]");
  CHECK(config_error({{"normalize", {{"mean", {0.5, 0.5, "a"}}, {"std", {1, 1, 1}}}}}) ==
        "run.json: /train/normalize/mean: expected an array of 3 numbers (one per input channel), found array "
        "[0.5,0.5,\"a\"]");
  CHECK(config_error({{"normalize", {{"mean", {0, 0, 0}}, {"std", {1, -1, 1}}}}}) ==
        "run.json: /train/normalize/std: expected an array of 3 positive numbers (one per input channel), found "
        "array [1,-1,1]");
  CHECK(contains(config_error({{"normalize", {{"mean", {0, 0, 0}}}}}),
                 "run.json: /train/normalize/std: expected a value (this key is required), found nothing"));
  CHECK(contains(config_error({{"normalize", {{"mean", {0, 0, 0}}, {"std", {1, 1, 1}}, {"sdt", 1}}}}),
                 "run.json: /train/normalize/sdt: expected one of the known keys"));
  CHECK(config_error({{"normalize", json::array()}}) == "run.json: /train/normalize: expected an object, found array []");

  CHECK(config_error({{"augment", {{"crop_padding", 33}}}}) ==
        "run.json: /train/augment/crop_padding: expected an integer in [0, 32], found number 33");
  CHECK(config_error({{"augment", {{"crop_padding", -1}}}}) ==
        "run.json: /train/augment/crop_padding: expected an integer in [0, 32], found number -1");
  CHECK(config_error({{"augment", {{"flip", "yes"}}}}) ==
        "run.json: /train/augment/flip: expected true or false, found string \"yes\"");
  CHECK(contains(config_error({{"augment", {{"crop", 4}}}}), "run.json: /train/augment/crop: expected one of the known keys"));

  // Crops and flips need (C, H, W) images; switched off they are fine for any input.
  json flat = cifar_net({{"augment", {{"flip", true}}}});
  flat["input"] = {3072};
  flat["layers"] = {{{"type", "dense"}, {"units", 10}}};
  CHECK(error_message([&] { bcnn::make_train_config(flat, "run.json"); }) ==
        "run.json: /train/augment: expected a network input of shape (C, H, W) for random crops and flips, found "
        "(3072,)");
  flat["train"]["augment"] = {{"flip", false}};
  CHECK_NOTHROW(bcnn::make_train_config(flat, "run.json"));
}

TEST_CASE("augment: the resolved config fills in the defaults") {
  bcnn::TrainConfig c = bcnn::make_train_config(cifar_net({{"augment", {{"flip", true}}}}), "run.json");
  CHECK(c.resolved["train"]["augment"] == json{{"crop_padding", 0}, {"flip", true}});
  CHECK(c.resolved["train"]["data"] == "datasets/mnist");  // the dataset's default directory
  bcnn::TrainConfig cifar = bcnn::make_train_config(cifar_net({{"dataset", "cifar10"}}), "run.json");
  CHECK(cifar.resolved["train"]["data"] == "datasets/cifar-10");
  CHECK(cifar.resolved["train"]["augment"] == json{{"crop_padding", 0}, {"flip", false}});
  CHECK_FALSE(cifar.train.augment.enabled());
}

TEST_CASE("augment: the choice is a pure function of (seed, epoch, index), within range") {
  const bcnn::AugmentSpec spec{4, true};
  std::set<std::tuple<int, int, bool>> seen;
  int flips = 0;
  for (int index = 0; index < 400; ++index) {
    bcnn::AugmentChoice a = bcnn::augment_choice(spec, 7, 3, index);
    bcnn::AugmentChoice b = bcnn::augment_choice(spec, 7, 3, index);
    CHECK(a.dy == b.dy);
    CHECK(a.dx == b.dx);
    CHECK(a.flip == b.flip);
    CHECK(a.dy >= 0);
    CHECK(a.dy <= 8);
    CHECK(a.dx >= 0);
    CHECK(a.dx <= 8);
    seen.insert({a.dy, a.dx, a.flip});
    flips += a.flip;
  }
  CHECK(seen.size() > 100);  // 81 offsets x 2 flips are possible
  CHECK(flips > 150);
  CHECK(flips < 250);

  // Another epoch, seed or index changes the draws; switching flips off keeps the crop offsets.
  int same_epoch = 0, same_seed = 0;
  for (int index = 0; index < 100; ++index) {
    bcnn::AugmentChoice a = bcnn::augment_choice(spec, 7, 3, index);
    bcnn::AugmentChoice e = bcnn::augment_choice(spec, 7, 4, index);
    bcnn::AugmentChoice s = bcnn::augment_choice(spec, 8, 3, index);
    same_epoch += a.dy == e.dy && a.dx == e.dx && a.flip == e.flip;
    same_seed += a.dy == s.dy && a.dx == s.dx && a.flip == s.flip;
    bcnn::AugmentChoice no_flip = bcnn::augment_choice({4, false}, 7, 3, index);
    CHECK(no_flip.dy == a.dy);
    CHECK(no_flip.dx == a.dx);
    CHECK_FALSE(no_flip.flip);
    bcnn::AugmentChoice no_crop = bcnn::augment_choice({0, true}, 7, 3, index);
    CHECK(no_crop.dy == 0);
    CHECK(no_crop.dx == 0);
  }
  CHECK(same_epoch < 10);
  CHECK(same_seed < 10);
}

TEST_CASE("augment: crops shift the image over zero padding, flips mirror it") {
  const int C = 2, H = 5, W = 6, P = 2;
  const std::vector<float> image = coded_image(C, H, W);
  std::vector<float> out(image.size(), -1.0f);

  SUBCASE("the centred crop without flip is the image itself") {
    bcnn::augment_image(image.data(), out.data(), C, H, W, P, {P, P, false});
    CHECK(out == image);
  }
  SUBCASE("a flip alone mirrors every row") {
    bcnn::augment_image(image.data(), out.data(), C, H, W, P, {P, P, true});
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) CHECK(out[(c * H + y) * W + x] == coded(c, y, W - 1 - x));
  }
  SUBCASE("the top-left crop moves the image down and right, over zeros") {
    // Window at (0, 0) of the padded image: out(y, x) = image(y - 2, x - 2).
    bcnn::augment_image(image.data(), out.data(), C, H, W, P, {0, 0, false});
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
          const float want = y >= P && x >= P ? coded(c, y - P, x - P) : 0.0f;
          CHECK(out[(c * H + y) * W + x] == want);
        }
  }
  SUBCASE("the bottom-right crop, flipped") {
    // Window at (4, 4): crop(y, x) = image(y + 2, x + 2); flipped: out(y, x) = crop(y, W - 1 - x).
    bcnn::augment_image(image.data(), out.data(), C, H, W, P, {2 * P, 2 * P, true});
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
          const int sy = y + P, sx = W - 1 - x + P;
          const float want = sy < H && sx < W ? coded(c, sy, sx) : 0.0f;
          CHECK(out[(c * H + y) * W + x] == want);
        }
    // Spelled out for channel 0: rows 3 and 4 are padding; row 0 is image row 2 from column 5 down to 2, then 2 zeros.
    const std::vector<float> row0(out.begin(), out.begin() + W);
    CHECK(row0 == std::vector<float>{0, 0, coded(0, 2, 5), coded(0, 2, 4), coded(0, 2, 3), coded(0, 2, 2)});
    for (int x = 0; x < W; ++x) {
      CHECK(out[3 * W + x] == 0.0f);
      CHECK(out[4 * W + x] == 0.0f);
    }
  }
  SUBCASE("padding as wide as the image can leave nothing but zeros") {
    bcnn::augment_image(image.data(), out.data(), C, H, W, W, {0, 0, false});
    for (float v : out) CHECK(v == 0.0f);
  }
}
