// Flatten of a feature map (docs/fpga.md, "Streaming"): the pixel stream of a (C, H, W) map into
// an array in C order, out[(c * H + y) * W + x], for the fully connected layer that follows. The
// values pass unchanged (in and out have one format). A flatten of an array has no hardware.
//
// CFG provides static const int channels, height, width and typedefs in_t, in_pixel_t.
#ifndef BCNN_HLS_FLATTEN_H
#define BCNN_HLS_FLATTEN_H

#include "bcnn_hls/pixels.h"

namespace bcnn_hls {

template <class CFG, int IN_DEPTH>
void flatten(stream<typename CFG::in_pixel_t, IN_DEPTH>& in,
             typename CFG::in_t out[CFG::channels * CFG::height * CFG::width]) {
  pixels_to_array<CFG::channels, CFG::height, CFG::width>(in, out);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_FLATTEN_H
