{{#config}}
// {{name}}: bc_conv2d {{in_channels}} x {{in_height}} x {{in_width}} -> {{out_channels}} x {{out_height}} x {{out_width}}, kernel {{kernel_h}}x{{kernel_w}}, stride {{stride_h}}x{{stride_w}}, block {{block}} (p = {{p}} block rows, q = {{q}} block columns)
struct {{config}} {
  static const int in_channels = {{in_channels}};
  static const int in_height = {{in_height}};
  static const int in_width = {{in_width}};
  static const int out_channels = {{out_channels}};
  static const int out_height = {{out_height}};
  static const int out_width = {{out_width}};
  static const int kernel_h = {{kernel_h}};
  static const int kernel_w = {{kernel_w}};
  static const int stride_h = {{stride_h}};
  static const int stride_w = {{stride_w}};
  static const int pad_top = {{pad_top}};
  static const int pad_left = {{pad_left}};
  static const int block = {{block}};
  static const int p = {{p}};
  static const int q = {{q}};
  static const int fft_units = {{fft_units}}, fft_lanes = {{fft_lanes}};
  static const int block_rows_parallel = {{block_rows_parallel}};
  static const int bins_parallel = {{bins_parallel}};
  static const int block_cols_parallel = {{block_cols_parallel}};
  static const int taps_parallel = {{taps_parallel}};
  static const int ifft_units = {{ifft_units}}, ifft_lanes = {{ifft_lanes}};
  // 1: the weight spectra are {{id}}_w_re and {{id}}_w_im in UltraRAM, static in bcnn_top and
  // loaded from its params port; 0: the ROMs w_re and w_im below.
  static const int weights_uram = {{weights_uram}};
  typedef {{in_t}} in_t;
  typedef {{spec_t}} spec_t;
  typedef {{weight_t}} weight_t;
  typedef {{acc_t}} acc_t;
  typedef {{ifft_t}} ifft_t;
  typedef {{bias_t}} bias_t;
  typedef {{out_t}} out_t;
  typedef {{twiddle_t}} twiddle_t;
  typedef bcnn_hls::pixel<in_t, {{in_channels}}> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, {{out_channels}}> out_pixel_t;
{{#rom_weights}}
  static const weight_t w_re[{{p}}][{{q}}][{{kernel_h}}][{{kernel_w}}][{{bins}}];
  static const weight_t w_im[{{p}}][{{q}}][{{kernel_h}}][{{kernel_w}}][{{bins}}];
{{/rom_weights}}
  static const bias_t bias[{{out_channels}}];
  static const twiddle_t tw_re[{{half_block}}];
  static const twiddle_t tw_im[{{half_block}}];
};
{{/config}}
{{#call}}
BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<{{config}}::out_pixel_t, BCNN_HLS_FIFO_DEPTH({{fifo_depth}}, {{out_pixel_count}})> {{out}};
bcnn_hls::bc_conv2d<{{config}}>({{in}}, {{out}}{{weight_args}});
{{/call}}
{{#tables}}
// {{name}}: exact values of the quantized parameters (bcnn-compile). Included once, by
// parameters.h.
{{#rom_weights}}
// Weight spectra W_ijab[f] = DFT(w_ijab)[f] (unscaled), w_re[i][j][a][b][f] and w_im[i][j][a][b][f],
// in {{weight_format}}.
const {{config}}::weight_t {{config}}::w_re[{{p}}][{{q}}][{{kernel_h}}][{{kernel_w}}][{{bins}}] =
{{w_re}}
const {{config}}::weight_t {{config}}::w_im[{{p}}][{{q}}][{{kernel_h}}][{{kernel_w}}][{{bins}}] =
{{w_im}}
{{/rom_weights}}
// Bias, in {{bias_format}}.
const {{config}}::bias_t {{config}}::bias[{{out_channels}}] =
{{bias}}
// Twiddles cos(2 pi j / {{block}}) and -sin(2 pi j / {{block}}), j < {{half_block}}, in {{twiddle_format}}.
const {{config}}::twiddle_t {{config}}::tw_re[{{half_block}}] =
{{tw_re}}
const {{config}}::twiddle_t {{config}}::tw_im[{{half_block}}] =
{{tw_im}}
{{/tables}}
