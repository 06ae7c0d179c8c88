// The top function of the generated network (bcnn-compile).
#ifndef BCNN_TOP_H
#define BCNN_TOP_H

#include "defines.h"

{{#m_axi}}
{{#rom_only}}
// Vitis kernel: `batch` images, BCNN_IN_BEATS beats of BCNN_IN_LANES input values each, from `in`
// (AXI master), their BCNN_N_OUT raw logits in BCNN_OUT_BEATS beats each to `out` (AXI master);
// batch and the control on AXI4-Lite.
void bcnn_top(const input_beat_t* in, result_beat_t* out, int batch);
{{/rom_only}}
{{#runtime_params}}
// Vitis kernel: `batch` images, BCNN_IN_BEATS beats of BCNN_IN_LANES input values each, from `in`
// (AXI master), their BCNN_N_OUT raw logits in BCNN_OUT_BEATS beats each to `out` (AXI master).
// With load != 0 it first writes the weights it holds in UltraRAM from `params` (AXI master,
// BCNN_PARAMS words: bcnn_params in weights/params_flat.h); they stay for the calls that follow
// (UltraScale+ UltraRAM has no initial contents: load once after programming the device).
// batch, load and the control on AXI4-Lite.
void bcnn_top(const input_beat_t* in, result_beat_t* out, const long long* params, int load, int batch);
{{/runtime_params}}
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
