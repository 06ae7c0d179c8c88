{{#config}}
// {{name}}: batchnorm {{n_in}} values in {{channels}} channels, x * scale[c] + shift[c], one value per cycle
struct {{config}} {
  static const int n = {{n_in}}, lanes = {{lanes}};
  static const int channels = {{channels}};
  typedef {{in_t}} in_t;
  typedef {{scale_t}} scale_t;
  typedef {{shift_t}} shift_t;
  typedef {{out_t}} out_t;
  static const scale_t scale[{{channels}}];
  static const shift_t shift[{{channels}}];
};
{{/config}}
{{#call}}
{{config}}::out_t {{out}}[{{n_out}}];
bcnn_hls::batchnorm<{{config}}>({{in}}, {{out}});
{{/call}}
{{#config_pixels}}
// {{name}}: batchnorm {{in_channels}} x {{in_height}} x {{in_width}}, x * scale[c] + shift[c], {{lanes}} of {{in_channels}} channels per cycle
struct {{config}} {
  static const int channels = {{in_channels}}, lanes = {{lanes}};
  static const int pixels = {{in_pixel_count}};
  typedef {{in_t}} in_t;
  typedef {{scale_t}} scale_t;
  typedef {{shift_t}} shift_t;
  typedef {{out_t}} out_t;
  typedef bcnn_hls::pixel<in_t, {{in_channels}}> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, {{out_channels}}> out_pixel_t;
  static const scale_t scale[{{channels}}];
  static const shift_t shift[{{channels}}];
};
{{/config_pixels}}
{{#call_pixels}}
BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<{{config}}::out_pixel_t, BCNN_HLS_FIFO_DEPTH({{fifo_depth}}, {{out_pixel_count}})> {{out}};
bcnn_hls::batchnorm<{{config}}>({{in}}, {{out}});
{{/call_pixels}}
{{#tables}}
// {{name}}: exact values of the quantized constants (bcnn-compile). Included once, by
// parameters.h. scale[c] = gamma / sqrt(running_var + eps), in {{scale_format}}.
const {{config}}::scale_t {{config}}::scale[{{channels}}] =
{{scale}}
// shift[c] = beta - running_mean * scale[c], in {{shift_format}}.
const {{config}}::shift_t {{config}}::shift[{{channels}}] =
{{shift}}
{{/tables}}
