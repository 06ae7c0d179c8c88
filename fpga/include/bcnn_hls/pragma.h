// BCNN_HLS_PRAGMA(HLS ...): a Vitis HLS pragma under synthesis, nothing for g++. Plain
// `#pragma HLS` lines would trip -Wall (unknown pragma) in the C simulation builds.
#ifndef BCNN_HLS_PRAGMA_H
#define BCNN_HLS_PRAGMA_H

#ifdef __SYNTHESIS__
#define BCNN_HLS_PRAGMA(text) _Pragma(#text)
#else
#define BCNN_HLS_PRAGMA(text)
#endif

#endif  // BCNN_HLS_PRAGMA_H
