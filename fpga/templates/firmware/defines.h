// Sizes, formats and interface words of the generated network (bcnn-compile).
#ifndef BCNN_DEFINES_H
#define BCNN_DEFINES_H

#include <stdint.h>

#include "bcnn_hls/axi.h"
#include "bcnn_hls/fixed.h"

#define BCNN_N_IN {{n_in}}    // network inputs per image (C x H x W)
#define BCNN_N_OUT {{n_out}}   // logits per image
#define BCNN_INTERFACE_M_AXI {{is_m_axi}}
#define BCNN_INTERFACE_AXIS {{is_axis}}
// The AXI data words (bcnn-compile --axi-bits): BCNN_AXI_BITS bits, several values per beat,
// packed little-endian (value l of a beat in bits [l B, (l + 1) B), B the width of its word type);
// each image starts on a new beat, and the lanes after its last value are 0.
#define BCNN_AXI_BITS {{axi_bits}}
#define BCNN_IN_LANES {{in_lanes}}    // input values per beat
#define BCNN_OUT_LANES {{out_lanes}}   // logits per beat
#define BCNN_IN_BEATS {{in_beats}}    // beats per image in: ceil(BCNN_N_IN / BCNN_IN_LANES)
#define BCNN_OUT_BEATS {{out_beats}}   // beats per image out: ceil(BCNN_N_OUT / BCNN_OUT_LANES)
{{#reuse}}
// The reuse architecture: bcnn_top also takes the parameter table (weights/params_flat.h).
#define BCNN_ARCHITECTURE_REUSE 1
{{/reuse}}
{{#runtime_params}}
// Weights in UltraRAM: bcnn_top also takes the parameter table (weights/params_flat.h), which a
// call with load = 1 writes into the UltraRAM before any image runs.
#define BCNN_RUNTIME_PARAMS 1
{{/runtime_params}}

// The network input and the logits.
typedef {{input_t}} input_t;
typedef {{result_t}} result_t;
// One value's raw two's complement bits of input_t and result_t.
typedef {{input_word_t}} input_word_t;
typedef {{result_word_t}} result_word_t;
// The beats on the ports.
{{#m_axi}}
typedef bcnn_hls::axi_beat<input_word_t, BCNN_IN_LANES> input_beat_t;
typedef bcnn_hls::axi_beat<result_word_t, BCNN_OUT_LANES> result_beat_t;
{{/m_axi}}
{{#axis}}
typedef bcnn_hls::axis_beat<input_word_t, BCNN_IN_LANES> input_beat_t;    // with TLAST
typedef bcnn_hls::axis_beat<result_word_t, BCNN_OUT_LANES> result_beat_t;  // TLAST on an image's last beat
{{/axis}}

#endif  // BCNN_DEFINES_H
