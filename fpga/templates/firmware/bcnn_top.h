// The top function of the generated network (bcnn-compile).
#ifndef BCNN_TOP_H
#define BCNN_TOP_H

#include "defines.h"

{{#m_axi}}
// Vitis kernel: `batch` images, BCNN_IN_BEATS beats of BCNN_IN_LANES input values each, from `in`
// (AXI master), their BCNN_N_OUT raw logits in BCNN_OUT_BEATS beats each to `out` (AXI master);
// batch and the control on AXI4-Lite.
void bcnn_top(const input_beat_t* in, result_beat_t* out, int batch);
{{/m_axi}}
{{#axis}}
#ifdef BCNN_HLS_VENDOR_AXIS
#include <hls_stream.h>
typedef hls::stream<input_beat_t> input_stream_t;
typedef hls::stream<result_beat_t> result_stream_t;
#else
#include "bcnn_hls/stream.h"
typedef bcnn_hls::stream<input_beat_t, BCNN_IN_BEATS> input_stream_t;
typedef bcnn_hls::stream<result_beat_t, BCNN_OUT_BEATS> result_stream_t;
#endif

// One image per call: reads BCNN_IN_BEATS beats from `in` (its TLAST is accepted, not required),
// writes BCNN_OUT_BEATS beats of raw logits to `out`, TLAST set on the last (AXI4-Stream).
void bcnn_top(input_stream_t& in, result_stream_t& out);
{{/axis}}

#endif  // BCNN_TOP_H
