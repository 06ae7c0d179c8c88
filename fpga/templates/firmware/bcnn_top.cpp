// The top function of the generated network (bcnn-compile): reads an image, runs the layers
// as a DATAFLOW pipeline of bcnn_hls kernels, writes the raw logits.
#include "bcnn_top.h"

#include "parameters.h"

{{#m_axi}}
static void read_input(const input_word_t* in, int image, input_t x[BCNN_N_IN]) {
  for (int i = 0; i < BCNN_N_IN; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    x[i] = bcnn_hls::from_raw_bits<input_t>(in[image * BCNN_N_IN + i]);
  }
}

static void write_output(const result_t y[BCNN_N_OUT], result_word_t* out, int image) {
  for (int i = 0; i < BCNN_N_OUT; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    out[image * BCNN_N_OUT + i] = static_cast<result_word_t>(bcnn_hls::raw_bits(y[i]));
  }
}

void bcnn_top(const input_word_t* in, result_word_t* out, int batch) {
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=in offset=slave bundle=gmem0 depth={{in_depth}})
  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=out offset=slave bundle=gmem1 depth={{out_depth}})
  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=batch)
  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=return)
  // Dataflow over the images: each stage works on the next image as soon as it is free.
  for (int image = 0; image < batch; ++image) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max={{tb_batch}})
    BCNN_HLS_PRAGMA(HLS DATAFLOW)
    input_t x_input[BCNN_N_IN];
    read_input(in, image, x_input);
{{#input_pixels}}
    BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<bcnn_hls::pixel<input_t, {{in_channels}}>, BCNN_HLS_FIFO_DEPTH({{in_fifo_depth}}, {{in_pixel_count}})> x_input_pixels;
    bcnn_hls::image_to_pixels<{{in_channels}}, {{in_height}}, {{in_width}}>(x_input, x_input_pixels);
{{/input_pixels}}
{{#layers}}
{{call}}
{{/layers}}
    write_output({{result}}, out, image);
  }
}
{{/m_axi}}
{{#axis}}
static void read_input(input_stream_t& in, input_t x[BCNN_N_IN]) {
  for (int i = 0; i < BCNN_N_IN; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    x[i] = bcnn_hls::from_raw_bits<input_t>(in.read());
  }
}

static void write_output(const result_t y[BCNN_N_OUT], result_stream_t& out) {
  for (int i = 0; i < BCNN_N_OUT; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    out.write(static_cast<result_word_t>(bcnn_hls::raw_bits(y[i])));
  }
}

void bcnn_top(input_stream_t& in, result_stream_t& out) {
  BCNN_HLS_PRAGMA(HLS INTERFACE axis port=in)
  BCNN_HLS_PRAGMA(HLS INTERFACE axis port=out)
  BCNN_HLS_PRAGMA(HLS DATAFLOW)
  input_t x_input[BCNN_N_IN];
  read_input(in, x_input);
{{#input_pixels}}
  BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<bcnn_hls::pixel<input_t, {{in_channels}}>, BCNN_HLS_FIFO_DEPTH({{in_fifo_depth}}, {{in_pixel_count}})> x_input_pixels;
  bcnn_hls::image_to_pixels<{{in_channels}}, {{in_height}}, {{in_width}}>(x_input, x_input_pixels);
{{/input_pixels}}
{{#layers}}
{{call}}
{{/layers}}
  write_output({{result}}, out);
}
{{/axis}}
