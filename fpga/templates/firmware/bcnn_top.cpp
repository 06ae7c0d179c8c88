// The top function of the generated network (bcnn-compile): reads an image, runs the layers
// as a DATAFLOW pipeline of bcnn_hls kernels, writes the raw logits. The interface stages move
// BCNN_IN_LANES (BCNN_OUT_LANES) values per cycle, one beat of BCNN_AXI_BITS bits, so the input
// and result arrays are partitioned cyclically by that factor. On m_axi the batch's beats move in
// one burst each way.
#include "bcnn_top.h"

#include "parameters.h"

{{#m_axi}}
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/stream.h"

// The FIFOs of the batch's beats: two images deep in synthesis; in C simulation BCNN_CSIM_BATCH
// images (bcnn_top below).
#define BCNN_CSIM_BATCH {{csim_batch}}
typedef bcnn_hls::stream<input_beat_t, BCNN_HLS_FIFO_DEPTH(2 * BCNN_IN_BEATS, BCNN_CSIM_BATCH * BCNN_IN_BEATS)>
    bcnn_batch_in_t;
typedef bcnn_hls::stream<result_beat_t, BCNN_HLS_FIFO_DEPTH(2 * BCNN_OUT_BEATS, BCNN_CSIM_BATCH * BCNN_OUT_BEATS)>
    bcnn_batch_out_t;

// The batch in one burst: batch x BCNN_IN_BEATS consecutive beats, one per cycle, into a FIFO;
// the burst latency is paid once per batch, not once per image.
static void read_batch(const input_beat_t* in, bcnn_batch_in_t& beats, int batch) {
  for (int b = 0; b < batch * BCNN_IN_BEATS; ++b) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{in_depth}})
    beats.write(in[b]);
  }
}

// One image's BCNN_IN_BEATS beats from the batch FIFO.
static void read_input(bcnn_batch_in_t& in, input_t x[BCNN_N_IN]) {
  for (int b = 0; b < BCNN_IN_BEATS; ++b) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const input_beat_t beat = in.read();
    for (int l = 0; l < BCNN_IN_LANES; ++l) {
      BCNN_HLS_PRAGMA(HLS UNROLL)
      const int i = b * BCNN_IN_LANES + l;
      if (i < BCNN_N_IN) x[i] = bcnn_hls::from_raw_bits<input_t>(beat.lanes[l]);
    }
  }
}

static void write_output(const result_t y[BCNN_N_OUT], bcnn_batch_out_t& out) {
  for (int b = 0; b < BCNN_OUT_BEATS; ++b) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    result_beat_t beat;
    for (int l = 0; l < BCNN_OUT_LANES; ++l) {
      BCNN_HLS_PRAGMA(HLS UNROLL)
      const int i = b * BCNN_OUT_LANES + l;
      beat.lanes[l] = i < BCNN_N_OUT ? static_cast<result_word_t>(bcnn_hls::raw_bits(y[i])) : result_word_t(0);
    }
    out.write(beat);
  }
}

// The results of the batch in one burst.
static void write_batch(bcnn_batch_out_t& beats, result_beat_t* out, int batch) {
  for (int b = 0; b < batch * BCNN_OUT_BEATS; ++b) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{out_depth}})
    out[b] = beats.read();
  }
}

{{#runtime_params}}
#include "bcnn_hls/params.h"

// The weights held in UltraRAM, from the parameter table (weights/params_flat.h): one word per
// cycle in one burst.
static void load_params(const long long* params{{runtime_decls}}) {
{{#runtime_arrays}}
  bcnn_hls::load_array<{{dim0}}>(params, {{offset}}, {{name}});
{{/runtime_arrays}}
}

{{/runtime_params}}
// The network over the images of the batch: a DATAFLOW region per image, so that each stage works
// on the next image as soon as it is free.
static void run_images(bcnn_batch_in_t& in, bcnn_batch_out_t& out, int batch{{runtime_decls}}) {
  for (int image = 0; image < batch; ++image) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{tb_batch}})
    BCNN_HLS_PRAGMA(HLS DATAFLOW)
    input_t x_input[BCNN_N_IN];
{{#partition_input}}
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_input {{in_partition}})
{{/partition_input}}
    read_input(in, x_input);
{{#input_pixels}}
    BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<bcnn_hls::pixel<input_t, {{in_channels}}>, BCNN_HLS_FIFO_DEPTH({{in_fifo_depth}}, {{in_pixel_count}})> x_input_pixels;
    bcnn_hls::image_to_pixels<{{in_channels}}, {{in_height}}, {{in_width}}>(x_input, x_input_pixels);
{{/input_pixels}}
{{#layers}}
{{call}}
{{/layers}}
{{#partition_result}}
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable={{result}} {{out_partition}})
{{/partition_result}}
    write_output({{result}}, out);
  }
}

// read_batch, run_images and write_batch overlap (DATAFLOW): the bursts stream while the layers
// compute. In C simulation, where they run one after another, the FIFOs hold BCNN_CSIM_BATCH
// images (static storage: no heap), so bcnn_top runs a larger batch in chunks of that many.
static void run_batch(const input_beat_t* in, result_beat_t* out, int batch{{runtime_decls}}) {
  BCNN_HLS_PRAGMA(HLS DATAFLOW)
  BCNN_HLS_FIFO_STORAGE bcnn_batch_in_t in_beats;
  BCNN_HLS_FIFO_STORAGE bcnn_batch_out_t out_beats;
  read_batch(in, in_beats, batch);
  run_images(in_beats, out_beats, batch{{runtime_args}});
  write_batch(out_beats, out, batch);
}

{{#rom_only}}
void bcnn_top(const input_beat_t* in, result_beat_t* out, int batch) {
{{/rom_only}}
{{#runtime_params}}
void bcnn_top(const input_beat_t* in, result_beat_t* out, const long long* params, int load, int batch) {
{{/runtime_params}}
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=in offset=slave bundle=gmem0 depth={{in_depth}})
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=out offset=slave bundle=gmem1 depth={{out_depth}})
{{#runtime_params}}
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=params offset=slave bundle=gmem2 depth={{params_count}})
  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=load)
{{/runtime_params}}
  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=batch)
  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=return)
  BCNN_HLS_PRAGMA(HLS AGGREGATE variable=in)
  BCNN_HLS_PRAGMA(HLS AGGREGATE variable=out)
{{#runtime_params}}
  // The weight spectra in UltraRAM (URAM288 blocks; the kernels partition them into banks as
  // they would their ROMs), kept from the load call to the calls that follow.
{{#runtime_arrays}}
  static {{type}} {{name}}{{dims}};
  BCNN_HLS_PRAGMA(HLS BIND_STORAGE variable={{name}} type=ram_1p impl=uram)
{{/runtime_arrays}}
  if (load) load_params(params{{runtime_args}});
{{/runtime_params}}
#ifdef __SYNTHESIS__
  run_batch(in, out, batch{{runtime_args}});
#else
  for (int first = 0; first < batch; first += BCNN_CSIM_BATCH) {
    const int n = batch - first < BCNN_CSIM_BATCH ? batch - first : BCNN_CSIM_BATCH;
    run_batch(in + first * BCNN_IN_BEATS, out + first * BCNN_OUT_BEATS, n{{runtime_args}});
  }
#endif
}
{{/m_axi}}
{{#axis}}
// TLAST on the input is accepted but not needed: an image is always BCNN_IN_BEATS beats.
static void read_input(input_stream_t& in, input_t x[BCNN_N_IN]) {
  for (int b = 0; b < BCNN_IN_BEATS; ++b) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const input_beat_t beat = in.read();
    for (int l = 0; l < BCNN_IN_LANES; ++l) {
      BCNN_HLS_PRAGMA(HLS UNROLL)
      const int i = b * BCNN_IN_LANES + l;
      if (i < BCNN_N_IN) x[i] = bcnn_hls::from_raw_bits<input_t>(bcnn_hls::axis_lane<input_word_t>(beat, l));
    }
  }
}

// TLAST on the image's last beat, so that a DMA ends the transfer there.
static void write_output(const result_t y[BCNN_N_OUT], result_stream_t& out) {
  for (int b = 0; b < BCNN_OUT_BEATS; ++b) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    result_beat_t beat;
    for (int l = 0; l < BCNN_OUT_LANES; ++l) {
      BCNN_HLS_PRAGMA(HLS UNROLL)
      const int i = b * BCNN_OUT_LANES + l;
      bcnn_hls::set_axis_lane(beat, l,
                              i < BCNN_N_OUT ? static_cast<result_word_t>(bcnn_hls::raw_bits(y[i])) : result_word_t(0));
    }
    const bool last = b == BCNN_OUT_BEATS - 1;
    bcnn_hls::set_axis_last(beat, last, last ? BCNN_N_OUT - b * BCNN_OUT_LANES : BCNN_OUT_LANES,
                            static_cast<int>(sizeof(result_word_t)));
    out.write(beat);
  }
}

void bcnn_top(input_stream_t& in, result_stream_t& out) {
  BCNN_HLS_PRAGMA(HLS INTERFACE axis port=in)
  BCNN_HLS_PRAGMA(HLS INTERFACE axis port=out)
  BCNN_HLS_PRAGMA(HLS DATAFLOW)
  input_t x_input[BCNN_N_IN];
{{#partition_input}}
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_input {{in_partition}})
{{/partition_input}}
  read_input(in, x_input);
{{#input_pixels}}
  BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<bcnn_hls::pixel<input_t, {{in_channels}}>, BCNN_HLS_FIFO_DEPTH({{in_fifo_depth}}, {{in_pixel_count}})> x_input_pixels;
  bcnn_hls::image_to_pixels<{{in_channels}}, {{in_height}}, {{in_width}}>(x_input, x_input_pixels);
{{/input_pixels}}
{{#layers}}
{{call}}
{{/layers}}
{{#partition_result}}
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable={{result}} {{out_partition}})
{{/partition_result}}
  write_output({{result}}, out);
}
{{/axis}}
