// Training batches: contents (order, augmentation per sample) and the double-buffered loader,
// which must hand out exactly the batches of the inline path.
#include <doctest/doctest.h>

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "train/batch_loader.h"

namespace {

// n images of shape (3, 8, 8) whose values encode (image, position), never 0; labels i % 10.
bcnn::Dataset coded_dataset(int n) {
  bcnn::Dataset d;
  d.images.resize(n, {3, 8, 8});
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < 192; ++p) d.images.sample(i)[p] = static_cast<float>(i * 1000 + p + 1);
  for (int i = 0; i < n; ++i) d.labels.push_back(i % 10);
  d.num_classes = 10;
  d.description = "coded";
  return d;
}

bool same_batch(const bcnn::Batch& a, const bcnn::Batch& b) {
  return a.number == b.number && a.labels == b.labels && a.images.sample_shape() == b.images.sample_shape() &&
         a.images.size() == b.images.size() &&
         std::memcmp(a.images.data(), b.images.data(), a.images.size() * sizeof(float)) == 0;
}

std::vector<int> order_for(int n, std::uint64_t seed, int epoch) {
  bcnn::Rng rng(seed, bcnn::Stream::shuffle, static_cast<std::uint64_t>(epoch));
  return bcnn::random_permutation(n, rng);
}

}  // namespace

TEST_CASE("batches: samples in the epoch's order, each augmented by its own (seed, epoch, index)") {
  const bcnn::Dataset data = coded_dataset(23);
  const bcnn::AugmentSpec augment{2, true};
  const std::vector<int> order = order_for(23, 9, 1);
  bcnn::Batch batch;
  bcnn::make_batch(data, order, 2, 10, augment, 9, 1, batch);  // the last batch: samples 20..22
  CHECK(batch.number == 2);
  REQUIRE(batch.images.batch() == 3);
  CHECK(batch.images.sample_shape() == bcnn::Shape{3, 8, 8});
  std::vector<float> expected(192);
  for (int i = 0; i < 3; ++i) {
    const int index = order[static_cast<std::size_t>(20 + i)];
    CHECK(batch.labels[static_cast<std::size_t>(i)] == index % 10);
    bcnn::augment_image(data.images.sample(index), expected.data(), 3, 8, 8, 2,
                        bcnn::augment_choice(augment, 9, 1, index));
    CHECK(std::memcmp(batch.images.sample(i), expected.data(), sizeof(float) * 192) == 0);
  }

  // Without augmentation a batch is a plain copy.
  bcnn::make_batch(data, order, 0, 10, bcnn::AugmentSpec{}, 9, 1, batch);
  REQUIRE(batch.images.batch() == 10);
  for (int i = 0; i < 10; ++i)
    CHECK(std::memcmp(batch.images.sample(i), data.images.sample(order[static_cast<std::size_t>(i)]),
                      sizeof(float) * 192) == 0);
}

TEST_CASE("batches: an image's augmentation does not depend on the batch size or its place in the batch") {
  const bcnn::Dataset data = coded_dataset(30);
  const bcnn::AugmentSpec augment{3, true};
  const std::vector<int> order = order_for(30, 4, 2);
  bcnn::Batch small, large;
  bcnn::make_batch(data, order, 3, 4, augment, 4, 2, small);   // positions 12..15
  bcnn::make_batch(data, order, 1, 10, augment, 4, 2, large);  // positions 10..19
  for (int i = 0; i < 4; ++i)
    CHECK(std::memcmp(small.images.sample(i), large.images.sample(i + 2), sizeof(float) * 192) == 0);
}

TEST_CASE("batches: a part (an MPI rank's shard) is exactly its rows of the whole batch, the last batch included") {
  const bcnn::Dataset data = coded_dataset(23);
  const bcnn::AugmentSpec augment{2, true};
  const std::vector<int> order = order_for(23, 5, 3);
  for (int number : {0, 2}) {  // a whole batch of 10, then the last batch of 3
    bcnn::Batch whole;
    bcnn::make_batch(data, order, number, 10, augment, 5, 3, whole);
    int rows = 0;
    for (int part = 0; part < 3; ++part) {
      bcnn::Batch mine;
      bcnn::make_batch(data, order, number, 10, augment, 5, 3, mine, {3, part});
      CAPTURE(number);
      CAPTURE(part);
      CHECK(mine.total == whole.images.batch());
      CHECK(mine.first == rows);
      REQUIRE(mine.images.batch() == static_cast<int>(mine.labels.size()));
      for (int i = 0; i < mine.images.batch(); ++i) {
        CHECK(mine.labels[static_cast<std::size_t>(i)] == whole.labels[static_cast<std::size_t>(rows + i)]);
        CHECK(std::memcmp(mine.images.sample(i), whole.images.sample(rows + i), sizeof(float) * 192) == 0);
      }
      rows += mine.images.batch();
    }
    CHECK(rows == whole.images.batch());
  }
  // The prefetching loader of a part hands out the same rows.
  bcnn::BatchLoader loader(data, 10, augment, 5, true, {3, 1});
  loader.start_epoch(3, order, 0);
  bcnn::Batch expected;
  bcnn::make_batch(data, order, 0, 10, augment, 5, 3, expected, {3, 1});
  const bcnn::Batch& got = loader.next();
  CHECK(same_batch(got, expected));
  CHECK(got.first == 3);
  CHECK(got.total == 10);
}

TEST_CASE("batch loader: the double-buffered loader gives exactly the batches of the inline path") {
  const bcnn::Dataset data = coded_dataset(47);
  for (const bcnn::AugmentSpec augment : {bcnn::AugmentSpec{}, bcnn::AugmentSpec{4, true}}) {
    for (int batch_size : {1, 5, 16, 47, 64}) {
      CAPTURE(batch_size);
      CAPTURE(augment.crop_padding);
      bcnn::BatchLoader inline_loader(data, batch_size, augment, 11, false);
      bcnn::BatchLoader prefetching(data, batch_size, augment, 11, true);
      const int batches = (47 + batch_size - 1) / batch_size;
      CHECK(prefetching.batches_per_epoch() == batches);
      int compared = 0, different = 0;
      for (int epoch = 0; epoch < 3; ++epoch) {
        // Epoch 1 starts inside the epoch, as after a resume; epoch 2 is abandoned halfway, as
        // when a run stops at --max-steps.
        const int first = epoch == 1 ? batches / 2 : 0;
        const int last = epoch == 2 ? (batches + 1) / 2 : batches;
        inline_loader.start_epoch(epoch, order_for(47, 11, epoch), first);
        prefetching.start_epoch(epoch, order_for(47, 11, epoch), first);
        for (int b = first; b < last; ++b) {
          const bcnn::Batch& x = inline_loader.next();
          const bcnn::Batch& y = prefetching.next();
          CHECK(x.number == b);
          different += !same_batch(x, y);
          ++compared;
        }
      }
      CHECK(compared > 0);
      CHECK(different == 0);
    }
  }
}

TEST_CASE("batch loader: asking past the end of the epoch is an error, the loader can start again") {
  const bcnn::Dataset data = coded_dataset(10);
  for (bool prefetch : {false, true}) {
    CAPTURE(prefetch);
    bcnn::BatchLoader loader(data, 4, bcnn::AugmentSpec{}, 1, prefetch);
    loader.start_epoch(0, order_for(10, 1, 0), 0);
    CHECK(loader.next().images.batch() == 4);
    CHECK(loader.next().images.batch() == 4);
    CHECK(loader.next().images.batch() == 2);
    CHECK_THROWS_AS(loader.next(), bcnn::Error);
    loader.start_epoch(1, order_for(10, 1, 1), 2);
    CHECK(loader.next().number == 2);
  }
  // Augmentation needs (C, H, W) samples.
  bcnn::Dataset flat;
  flat.images.resize(2, {12});
  flat.labels = {0, 1};
  flat.description = "flat";
  CHECK_THROWS_AS(bcnn::BatchLoader(flat, 2, bcnn::AugmentSpec{1, false}, 1, true), bcnn::Error);
}
