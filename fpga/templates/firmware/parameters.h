// One configuration struct per layer for the bcnn_hls kernels (bcnn-compile). Included by
// bcnn_top.cpp only: it defines the weight tables (weights/*.h).
#ifndef BCNN_PARAMETERS_H
#define BCNN_PARAMETERS_H

#include "bcnn_hls/bcnn_hls.h"
#include "defines.h"

{{#layers}}
{{struct}}
{{/layers}}
{{#tables}}
#include "weights/{{id}}.h"
{{/tables}}

#endif  // BCNN_PARAMETERS_H
