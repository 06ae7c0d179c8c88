#pragma once
// NumPy .npy files (format version 1.0, little-endian float32, C order), written atomically, so
// Python users can load bcnn's outputs with numpy.load.
#include <string>

#include "core/tensor.h"

namespace bcnn {

void write_npy(const std::string& path, const float* data, const std::vector<std::size_t>& shape);

}  // namespace bcnn
