// Sizes, formats and interface words of the generated network (bcnn-compile).
#ifndef BCNN_DEFINES_H
#define BCNN_DEFINES_H

#include <stdint.h>

#include "bcnn_hls/fixed.h"

#define BCNN_N_IN {{n_in}}    // network inputs per image (C x H x W)
#define BCNN_N_OUT {{n_out}}   // logits per image
#define BCNN_INTERFACE_M_AXI {{is_m_axi}}
#define BCNN_INTERFACE_AXIS {{is_axis}}
{{#reuse}}
// The reuse architecture: bcnn_top also takes the parameter table (weights/params_flat.h).
#define BCNN_ARCHITECTURE_REUSE 1
{{/reuse}}

// The network input and the logits.
typedef {{input_t}} input_t;
typedef {{result_t}} result_t;
// Interface words: the raw two's complement bits of input_t and result_t.
typedef {{input_word_t}} input_word_t;
typedef {{result_word_t}} result_word_t;

#endif  // BCNN_DEFINES_H
