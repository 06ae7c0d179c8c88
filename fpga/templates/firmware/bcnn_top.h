// The top function of the generated network (bcnn-compile).
#ifndef BCNN_TOP_H
#define BCNN_TOP_H

#include "defines.h"

{{#m_axi}}
// Vitis kernel: `batch` images, BCNN_N_IN input words each, from `in` (AXI master), their
// BCNN_N_OUT raw logits to `out` (AXI master); batch and the control on AXI4-Lite.
void bcnn_top(const input_word_t* in, result_word_t* out, int batch);
{{/m_axi}}
{{#axis}}
#include "bcnn_hls/stream.h"

typedef bcnn_hls::stream<input_word_t, BCNN_N_IN> input_stream_t;
typedef bcnn_hls::stream<result_word_t, BCNN_N_OUT> result_stream_t;

// One image per call: reads BCNN_N_IN input words from `in`, writes BCNN_N_OUT raw logits to
// `out` (AXI4-Stream).
void bcnn_top(input_stream_t& in, result_stream_t& out);
{{/axis}}

#endif  // BCNN_TOP_H
