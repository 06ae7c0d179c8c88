// The reuse architecture's run-time conversion (fpga/include/bcnn_hls/reuse.h, reuse_convert, the
// synthesizable twin of convert_raw64) against the 128-bit reference convert_raw of fixed_core.h,
// over random values in its domain (|raw| < 2^62, shifts either way) and every mode: the engines'
// bit-identity with the emulator rests on it.
#include <doctest/doctest.h>

#include <cstdint>

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/reuse.h"
#include "core/random.h"

TEST_CASE("reuse_convert equals convert_raw in every mode, for right and left shifts within 62 bits") {
  bcnn::Rng rng(7);
  int checked = 0, rounded = 0, saturated = 0;
  for (int trial = 0; trial < 200000; ++trial) {
    const int from_width = 1 + static_cast<int>(rng.below(62));
    const int from_fraction = static_cast<int>(rng.below(80)) - 10;
    const int to_width = 1 + static_cast<int>(rng.below(64));
    const int to_fraction = static_cast<int>(rng.below(80)) - 10;
    if (!bcnn_hls::convert_fits_64(from_width, from_fraction, to_fraction)) continue;
    const int q = static_cast<int>(rng.below(7)), o = static_cast<int>(rng.below(4));
    // A raw value of from_width bits, often at the edges.
    const std::int64_t max_raw = (std::int64_t{1} << (from_width - 1)) - 1;
    std::int64_t raw = static_cast<std::int64_t>(rng.next() >> (64 - from_width)) - (max_raw + 1);
    if (rng.below(8) == 0) raw = rng.below(2) ? max_raw : -max_raw - 1;
    const std::int64_t want = bcnn_hls::convert_raw(raw, from_fraction, to_width, to_fraction,
                                                    static_cast<bcnn_hls::quant_mode>(q),
                                                    static_cast<bcnn_hls::overflow_mode>(o));
    const bcnn_hls::reuse_format f{to_width, to_fraction, q, o};
    const long long got = bcnn_hls::reuse_convert(raw, from_fraction, f);
    CAPTURE(raw);
    CAPTURE(from_fraction);
    CAPTURE(to_width);
    CAPTURE(to_fraction);
    CAPTURE(q);
    CAPTURE(o);
    REQUIRE(got == want);
    ++checked;
    if (from_fraction > to_fraction) ++rounded;
    if (o != 0 && to_width < from_width) ++saturated;
  }
  CHECK(checked > 50000);
  CHECK(rounded > 10000);
  CHECK(saturated > 10000);
}

TEST_CASE("reuse_add aligns two exact values to the finer fraction") {
  int fraction = 0;
  CHECK(bcnn_hls::reuse_add(3, 1, 5, 4, &fraction) == 3 * 8 + 5);  // 1.5 + 0.3125 = 29 / 16
  CHECK(fraction == 4);
  CHECK(bcnn_hls::reuse_add(-3, 6, 1, 2, &fraction) == -3 + 16);
  CHECK(fraction == 6);
}
