// The top function of the generated network, reuse architecture (bcnn-compile --architecture
// reuse): a controller that runs the images in batches of BCNN_REUSE_BATCH through one engine set
// (bcnn_hls/reuse.h), layer after layer as the descriptor table bcnn_reuse_layers says; each
// layer's parameters are read from `params` once per batch.
#include "bcnn_top.h"

#include "reuse_layers.h"

typedef bcnn_hls::reuse_memories<BCNN_REUSE_MAX_N, BCNN_REUSE_MAX_K, BCNN_REUSE_MAX_Q, BCNN_REUSE_BATCH> memories_t;

void bcnn_top(const input_beat_t* in, result_beat_t* out, const long long* params, int batch) {
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=in offset=slave bundle=gmem0 depth={{in_depth}})
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=out offset=slave bundle=gmem1 depth={{out_depth}})
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=params offset=slave bundle=gmem2 depth={{reuse_params}})
  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=batch)
  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=return)
  BCNN_HLS_REUSE_STORAGE memories_t m;
  for (int first = 0; first < batch; first += BCNN_REUSE_BATCH) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{tb_batches}})
    const int images = batch - first < BCNN_REUSE_BATCH ? batch - first : BCNN_REUSE_BATCH;
    for (int b = 0; b < images; ++b) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{reuse_batch}})
      for (int beat = 0; beat < BCNN_IN_BEATS; ++beat) {
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        const input_beat_t word = in[static_cast<long long>(first + b) * BCNN_IN_BEATS + beat];
        for (int l = 0; l < BCNN_IN_LANES; ++l) {
          BCNN_HLS_PRAGMA(HLS UNROLL)
          const int i = beat * BCNN_IN_LANES + l;
          if (i < BCNN_N_IN) m.act[0][b][i] = word.lanes[l];
        }
      }
    }
    int src = 0;
    for (int s = 0; s < BCNN_REUSE_STEPS; ++s) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{reuse_steps}})
      bcnn_hls::reuse_run_layer(m, params, bcnn_reuse_layers[s], src, images);
      src = 1 - src;
    }
    for (int b = 0; b < images; ++b) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{reuse_batch}})
      for (int beat = 0; beat < BCNN_OUT_BEATS; ++beat) {
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        result_beat_t word;
        for (int l = 0; l < BCNN_OUT_LANES; ++l) {
          BCNN_HLS_PRAGMA(HLS UNROLL)
          const int o = beat * BCNN_OUT_LANES + l;
          word.lanes[l] = o < BCNN_N_OUT ? static_cast<result_word_t>(m.act[src][b][o]) : result_word_t(0);
        }
        out[static_cast<long long>(first + b) * BCNN_OUT_BEATS + beat] = word;
      }
    }
  }
}
