// The words of the top function's wide interfaces: several raw values per AXI beat.
//
// Lane l of a beat holds the raw two's complement bits of one value in bits [l B, (l + 1) B),
// B = 8 sizeof(WORD): the values are packed little-endian, so the memory image of a run of
// m_axi beats is the plain array of WORD values (zero-padded to a whole beat per image).
//
//   axi_beat<WORD, LANES>    an m_axi data word of 8 sizeof(WORD) LANES bits: a struct of LANES
//                            values, aggregated by Vitis HLS into one packed port word; the same
//                            type in C simulation, synthesis and co-simulation.
//   axis_beat<WORD, LANES>   an AXI4-Stream beat with its TLAST (and, in synthesis, TKEEP/TSTRB).
//                            With BCNN_HLS_VENDOR_AXIS (set under __SYNTHESIS__, and by
//                            build_prj.tcl for the vendor's csim and cosim) it is the vendor's
//                            ap_axiu<B LANES, 0, 0, 0>; otherwise a struct of LANES values and a
//                            `last` flag that the C simulation checks.
//   axis_lane(beat, l), set_axis_lane(beat, l, word), axis_last(beat),
//   set_axis_last(beat, last, valid_lanes)    the same code for both.
#ifndef BCNN_HLS_AXI_H
#define BCNN_HLS_AXI_H

#if defined(__SYNTHESIS__) && !defined(BCNN_HLS_VENDOR_AXIS)
#define BCNN_HLS_VENDOR_AXIS 1
#endif

#ifdef BCNN_HLS_VENDOR_AXIS
#include <ap_axi_sdata.h>
#include <ap_int.h>
#endif

namespace bcnn_hls {

template <class WORD, int LANES>
struct axi_beat {
  static_assert(LANES >= 1, "bcnn_hls::axi_beat: at least one lane");
  WORD lanes[LANES];
};

#ifdef BCNN_HLS_VENDOR_AXIS

template <class WORD, int LANES>
using axis_beat = ap_axiu<8 * sizeof(WORD) * LANES, 0, 0, 0>;

template <class WORD, int BITS>
inline WORD axis_lane(const ap_axiu<BITS, 0, 0, 0>& beat, int lane) {
  const int b = 8 * sizeof(WORD);
  return static_cast<WORD>(ap_int<8 * sizeof(WORD)>(beat.data.range(lane * b + b - 1, lane * b)));
}

template <class WORD, int BITS>
inline void set_axis_lane(ap_axiu<BITS, 0, 0, 0>& beat, int lane, WORD word) {
  const int b = 8 * sizeof(WORD);
  beat.data.range(lane * b + b - 1, lane * b) = ap_uint<8 * sizeof(WORD)>(word);
}

template <int BITS>
inline bool axis_last(const ap_axiu<BITS, 0, 0, 0>& beat) {
  return beat.last != 0;
}

// TLAST, and TKEEP/TSTRB on the bytes of the first `valid_lanes` lanes (of `lane_bytes` each):
// a DMA writes only the values of the last, partly filled beat.
template <int BITS>
inline void set_axis_last(ap_axiu<BITS, 0, 0, 0>& beat, bool last, int valid_lanes, int lane_bytes) {
  ap_uint<BITS / 8> keep = 0;
  for (int i = 0; i < BITS / 8; ++i) keep[i] = i < valid_lanes * lane_bytes ? 1 : 0;
  beat.keep = keep;
  beat.strb = keep;
  beat.last = last ? 1 : 0;
}

#else

template <class WORD, int LANES>
struct axis_beat {
  static_assert(LANES >= 1, "bcnn_hls::axis_beat: at least one lane");
  WORD lanes[LANES];
  bool last;
};

template <class WORD, int LANES>
inline WORD axis_lane(const axis_beat<WORD, LANES>& beat, int lane) {
  return beat.lanes[lane];
}

template <class WORD, int LANES>
inline void set_axis_lane(axis_beat<WORD, LANES>& beat, int lane, WORD word) {
  beat.lanes[lane] = word;
}

template <class WORD, int LANES>
inline bool axis_last(const axis_beat<WORD, LANES>& beat) {
  return beat.last;
}

template <class WORD, int LANES>
inline void set_axis_last(axis_beat<WORD, LANES>& beat, bool last, int, int) {
  beat.last = last;
}

#endif  // BCNN_HLS_VENDOR_AXIS

}  // namespace bcnn_hls

#endif  // BCNN_HLS_AXI_H
