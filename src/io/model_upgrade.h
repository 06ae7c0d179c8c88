#pragma once
// Conversion of model and checkpoint files of bcnn's first layout (HDF5's earliest format:
// superblock 0, no metadata checksums, variable-length strings, contiguous arrays) into the current
// one (docs/model-format.md). The loaders refuse the first layout (h5::File::open): HDF5 1.10.8
// hangs or crashes on some damaged files of it, so only this conversion reads them, in a child
// process with a time limit.
#include <string>

namespace bcnn {

// The content of `path` (either layout) as the bytes of an HDF5 file in the current layout: every
// group, attribute and array copied as it is, types exactly (string, int64 and float64
// attributes; float32 and uint8 arrays); anything else is a bcnn::Error naming the object.
std::string model_in_current_layout(const std::string& path);

struct UpgradeResult {
  bool was_first_layout = false;
  bool is_checkpoint = false;
  std::size_t parameters = 0;
};

// Writes the content of `from` to `to` in the current layout, atomically (on failure `to` does not
// exist), then loads `to` as the tools do. `from` is read in a child process (core/isolated_call.h):
// HDF5 hanging for `timeout_s` seconds or crashing on a damaged file becomes a bcnn::Error that says
// the file is damaged.
UpgradeResult upgrade_model_file(const std::string& from, const std::string& to, double timeout_s);

}  // namespace bcnn
