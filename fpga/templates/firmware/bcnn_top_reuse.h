// The top function of the generated network, reuse architecture (bcnn-compile --architecture reuse).
#ifndef BCNN_TOP_H
#define BCNN_TOP_H

#include "defines.h"

// Vitis kernel: `batch` images, BCNN_IN_BEATS beats of BCNN_IN_LANES input values each, from `in`
// (AXI master), their BCNN_N_OUT raw logits in BCNN_OUT_BEATS beats to `out` (AXI master), the
// layers' raw parameters from `params` (AXI master, BCNN_REUSE_PARAMS words,
// firmware/reuse_layers.h); batch and the control on AXI4-Lite.
void bcnn_top(const input_beat_t* in, result_beat_t* out, const long long* params, int batch);

#endif  // BCNN_TOP_H
