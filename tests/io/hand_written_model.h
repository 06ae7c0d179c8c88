#pragma once
// Model files written by hand through the HDF5 C API, for the tests of the readers' layout and
// type checks: bcnn's first layout, or the current one with types the library never writes.
#include <hdf5.h>

#include <string>

#include "net/network.h"

namespace bcnn::testing {

enum class Layout { first, current };

// The first layout is how bcnn wrote models before checksums: HDF5's default (earliest) format,
// variable-length strings, contiguous arrays. The current layout here has HDF5 1.10's checksummed
// format and fixed-length strings, so that the readers' type checks are reached. `bias_type`,
// `version_type` and `variable_strings` let a test store other types.
void write_by_hand(const std::string& path, const Network& net, Layout layout, hid_t bias_type = H5T_IEEE_F32LE,
                   hid_t version_type = H5T_STD_I64LE, bool variable_strings = false);

}  // namespace bcnn::testing
