#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "core/strings.h"
#include "net/network.h"

TEST_CASE("with_thousands: groups of three digits, the sign kept, the extremes exact") {
  CHECK(bcnn::with_thousands(0) == "0");
  CHECK(bcnn::with_thousands(999) == "999");
  CHECK(bcnn::with_thousands(1000) == "1,000");
  CHECK(bcnn::with_thousands(-1000) == "-1,000");
  CHECK(bcnn::with_thousands(-999) == "-999");
  CHECK(bcnn::with_thousands(3251018) == "3,251,018");
  CHECK(bcnn::with_thousands(std::numeric_limits<std::int64_t>::max()) == "9,223,372,036,854,775,807");
  CHECK(bcnn::with_thousands(std::numeric_limits<std::int64_t>::min()) == "-9,223,372,036,854,775,808");
}

TEST_CASE("join: separators between the items only") {
  CHECK(bcnn::join({}, ", ") == "");
  CHECK(bcnn::join({"a"}, ", ") == "a");
  CHECK(bcnn::join({"a", "b", "c"}, ", ") == "a, b, c");
}

TEST_CASE("valid_layer_name: 1 to 64 of [A-Za-z0-9_.-], not starting with '.' or '-'") {
  CHECK(bcnn::valid_layer_name("conv1"));
  CHECK(bcnn::valid_layer_name("features.0"));
  CHECK(bcnn::valid_layer_name("_x-1"));
  CHECK(bcnn::valid_layer_name(std::string(64, 'a')));
  CHECK_FALSE(bcnn::valid_layer_name(""));
  CHECK_FALSE(bcnn::valid_layer_name(".hidden"));
  CHECK_FALSE(bcnn::valid_layer_name("-x"));
  CHECK_FALSE(bcnn::valid_layer_name("a/b"));
  CHECK_FALSE(bcnn::valid_layer_name("a b"));
  CHECK_FALSE(bcnn::valid_layer_name(std::string(65, 'a')));
}
