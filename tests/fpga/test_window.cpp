// bcnn_hls/window.h: the one-loop schedule of the window kernels, run step by step against what the
// kernels read.
#include <doctest/doctest.h>

#include <limits>
#include <vector>

#include "bcnn_hls/window.h"

namespace {

template <int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int OH, int OW>
struct Geometry {
  static constexpr int in_height = H, in_width = W, kernel_h = KH, kernel_w = KW, stride_h = SH, stride_w = SW,
                   pad_top = PT, pad_left = PL, out_height = OH, out_width = OW;
};

// Runs window_schedule<CFG, RS, CS> and checks, for every compute step, that each input pixel of
// its window (inside the map) was stored before and is still in its buffer row; returns the fewest
// steps between storing a pixel (its last part) and a compute step reading it.
template <class CFG, int RS, int CS>
int run_schedule() {
  using schedule_t = bcnn_hls::window_schedule<CFG, RS, CS>;
  static_assert(bcnn_hls::valid_window_geometry<CFG>(), "test geometry");
  std::vector<int> stored_at(CFG::in_height * CFG::in_width, -1);
  std::vector<int> buffer_row_holds(CFG::kernel_h, -1);
  int reads = 0, computes = 0, fewest = std::numeric_limits<int>::max();
  schedule_t s;
  for (int i = 0; i < schedule_t::steps; ++i) {
    const bool read = s.reading();
    if (read) {
      REQUIRE(s.row < CFG::in_height);
      if (s.part == RS - 1) {
        stored_at[s.row * CFG::in_width + s.column] = i;
        buffer_row_holds[s.row % CFG::kernel_h] = s.row;
      }
      ++reads;
    } else {
      REQUIRE(s.oh < CFG::out_height);
      for (int a = 0; a < CFG::kernel_h; ++a)
        for (int b = 0; b < CFG::kernel_w; ++b) {
          const int ih = s.oh * CFG::stride_h + a - CFG::pad_top, iw = s.ow * CFG::stride_w + b - CFG::pad_left;
          if (ih < 0 || ih >= CFG::in_height || iw < 0 || iw >= CFG::in_width) continue;
          const int at = stored_at[ih * CFG::in_width + iw];
          REQUIRE(at >= 0);                                       // stored before
          REQUIRE(buffer_row_holds[ih % CFG::kernel_h] == ih);    // and not overwritten
          if (i - at < fewest) fewest = i - at;
        }
      ++computes;
    }
    s.advance(read);
  }
  CHECK(reads == CFG::in_height * CFG::in_width * RS);
  CHECK(computes == CFG::out_height * CFG::out_width * CS);
  CHECK(s.row == CFG::in_height);
  CHECK(s.oh == CFG::out_height);
  return fewest;
}

template <class CFG, int RS, int CS>
void check_schedule() {
  CAPTURE(CFG::in_height);
  CAPTURE(CFG::in_width);
  CAPTURE(CFG::kernel_w);
  CAPTURE(RS);
  CAPTURE(CS);
  CHECK(run_schedule<CFG, RS, CS>() == bcnn_hls::window_schedule<CFG, RS, CS>::raw_distance());
}

}  // namespace

TEST_CASE("window_schedule: every window reads stored pixels, and raw_distance is the fewest steps from a store to "
          "its first read") {
  // LeNet's conv1: 28 x 28, 5 x 5 "same".
  using lenet = Geometry<28, 28, 5, 5, 1, 1, 2, 2, 28, 28>;
  check_schedule<lenet, 1, 5>();
  check_schedule<lenet, 1, 1>();
  check_schedule<lenet, 3, 2>();
  // A map narrower than the window: the first output reads the pixel stored one step before.
  using tiny = Geometry<2, 2, 3, 3, 1, 1, 1, 1, 2, 2>;
  check_schedule<tiny, 1, 1>();
  check_schedule<tiny, 2, 3>();
  // Strided, no padding, leftover columns (a pool); strided with padding (bc_conv2d's test).
  using pool = Geometry<7, 9, 2, 2, 2, 2, 0, 0, 3, 4>;
  check_schedule<pool, 1, 2>();
  using strided = Geometry<7, 6, 3, 3, 2, 2, 1, 1, 4, 3>;
  check_schedule<strided, 4, 7>();
  check_schedule<strided, 1, 1>();
  // 1 x 1 kernel.
  using pointwise = Geometry<4, 5, 1, 1, 1, 1, 0, 0, 4, 5>;
  check_schedule<pointwise, 1, 3>();
}
