{{#config}}
// {{name}}: bc_dense {{n_in}} -> {{n_out}}, block {{block}} (p = {{p}} block rows, q = {{q}} block columns)
struct {{config}} {
  static const int n_in = {{n_in}};
  static const int n_out = {{n_out}};
  static const int block = {{block}};
  static const int p = {{p}};
  static const int q = {{q}};
  static const int fft_units = {{fft_units}}, fft_lanes = {{fft_lanes}};
  static const int block_rows_parallel = {{block_rows_parallel}};
  static const int bins_parallel = {{bins_parallel}};
  static const int block_cols_parallel = {{block_cols_parallel}};
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
{{#rom_weights}}
  static const weight_t w_re[{{p}}][{{q}}][{{bins}}];
  static const weight_t w_im[{{p}}][{{q}}][{{bins}}];
{{/rom_weights}}
  static const bias_t bias[{{n_out}}];
  static const twiddle_t tw_re[{{half_block}}];
  static const twiddle_t tw_im[{{half_block}}];
};
{{/config}}
{{#call}}
{{config}}::out_t {{out}}[{{n_out}}];
bcnn_hls::bc_dense<{{config}}>({{in}}, {{out}}{{weight_args}});
{{/call}}
{{#tables}}
// {{name}}: exact values of the quantized parameters (bcnn-compile). Included once, by
// parameters.h.
{{#rom_weights}}
// Weight spectra W_ij[f] = DFT(w_ij)[f] (unscaled), w_re[i][j][f] and w_im[i][j][f], in {{weight_format}}.
const {{config}}::weight_t {{config}}::w_re[{{p}}][{{q}}][{{bins}}] =
{{w_re}}
const {{config}}::weight_t {{config}}::w_im[{{p}}][{{q}}][{{bins}}] =
{{w_im}}
{{/rom_weights}}
// Bias, in {{bias_format}}.
const {{config}}::bias_t {{config}}::bias[{{n_out}}] =
{{bias}}
// Twiddles cos(2 pi j / {{block}}) and -sin(2 pi j / {{block}}), j < {{half_block}}, in {{twiddle_format}}.
const {{config}}::twiddle_t {{config}}::tw_re[{{half_block}}] =
{{tw_re}}
const {{config}}::twiddle_t {{config}}::tw_im[{{half_block}}] =
{{tw_im}}
{{/tables}}
