// The bcnn HLS library: fixed-point types and the layer kernels that generated projects call.
// docs/fpga.md describes the arithmetic of every kernel.
#ifndef BCNN_HLS_H
#define BCNN_HLS_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/fft.h"
#include "bcnn_hls/bc_dense.h"
#include "bcnn_hls/bc_conv2d.h"
#include "bcnn_hls/dense.h"
#include "bcnn_hls/relu.h"
#include "bcnn_hls/maxpool2d.h"
#include "bcnn_hls/avgpool2d.h"
#include "bcnn_hls/global_avgpool.h"
#include "bcnn_hls/batchnorm.h"
#include "bcnn_hls/flatten.h"
#include "bcnn_hls/conv2d.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/argmax.h"
#include "bcnn_hls/stream.h"
#include "bcnn_hls/axi.h"
#include "bcnn_hls/reuse.h"
#include "bcnn_hls/params.h"

#endif  // BCNN_HLS_H
