// Feature maps between streaming layers (docs/fpga.md, "Streaming"): a map of C channels, H rows
// and W columns travels as H * W pixels in raster order (row by row, left to right) through a
// bcnn_hls::stream; each pixel carries its C channels at once. Convolutions and pools read such a
// stream through line buffers and write one; flatten turns one back into an array in C order
// (c * H * W + y * W + x), the order of the float network and of bcnn's emulator.
//
//   pixel<T, C>                        one position's C channels
//   BCNN_HLS_FIFO_DEPTH(HW, CSIM)      a stream's depth: HW in synthesis (the hardware FIFO), CSIM
//                                      in C simulation, where the dataflow processes run one after
//                                      another, so a FIFO must hold a whole map
//   BCNN_HLS_FIFO_STORAGE              written before a stream declared in the top function:
//                                      nothing in synthesis; in C simulation `static thread_local`,
//                                      so that whole maps live neither on the stack (megabytes for
//                                      CIFAR-10 networks) nor on the heap, and test-bench threads
//                                      each have their own
//   image_to_pixels<C, H, W>(in, out)  an array in C order -> a pixel stream (the network input)
//   pixels_to_array<C, H, W>(in, out)  a pixel stream -> an array in C order (flatten)
#ifndef BCNN_HLS_PIXELS_H
#define BCNN_HLS_PIXELS_H

#include "bcnn_hls/pragma.h"
#include "bcnn_hls/stream.h"

#ifdef __SYNTHESIS__
#define BCNN_HLS_FIFO_DEPTH(HW, CSIM) (HW)
#define BCNN_HLS_FIFO_STORAGE
#else
#define BCNN_HLS_FIFO_DEPTH(HW, CSIM) (CSIM)
#define BCNN_HLS_FIFO_STORAGE static thread_local
#endif

namespace bcnn_hls {

template <class T, int N>
struct pixel {
  T data[N];
  T& operator[](int i) { return data[i]; }
  const T& operator[](int i) const { return data[i]; }
};

template <int C, int H, int W, class T, class STREAM>
void image_to_pixels(const T in[C * H * W], STREAM& out) {
  static_assert(C >= 1 && H >= 1 && W >= 1, "bcnn_hls::image_to_pixels: C, H and W must be positive");
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      pixel<T, C> p;
      for (int c = 0; c < C; ++c) {
        BCNN_HLS_PRAGMA(HLS UNROLL)
        p[c] = in[(c * H + y) * W + x];
      }
      out.write(p);
    }
}

template <int C, int H, int W, class STREAM, class T>
void pixels_to_array(STREAM& in, T out[C * H * W]) {
  static_assert(C >= 1 && H >= 1 && W >= 1, "bcnn_hls::pixels_to_array: C, H and W must be positive");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=out cyclic factor=C)
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      const pixel<T, C> p = in.read();
      for (int c = 0; c < C; ++c) {
        BCNN_HLS_PRAGMA(HLS UNROLL)
        out[(c * H + y) * W + x] = p[c];
      }
    }
}

// One loop pipelined at II=1 over PIXELS pixels x GROUPS channel groups, so that nothing drains
// between pixels (relu, batchnorm, global_avgpool): reads a pixel (a PIXEL) from `in` at its first
// group, then calls body(x, group) for each group; the body writes its output at the last.
template <int PIXELS, int GROUPS, class PIXEL, class STREAM, class BODY>
void for_pixel_groups(STREAM& in, BODY& body) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  PIXEL x;
  int group = 0;
  for (int n = 0; n < PIXELS * GROUPS; ++n) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    if (group == 0) x = in.read();
    body(x, group);
    group = group == GROUPS - 1 ? 0 : group + 1;
  }
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_PIXELS_H
