{{#config}}
// {{name}}: global_avgpool {{in_channels}} x {{in_height}} x {{in_width}} -> {{n_out}}, the mean of each channel's {{in_pixel_count}} pixels, {{lanes}} of {{in_channels}} channels per cycle
struct {{config}} {
  static const int channels = {{in_channels}}, lanes = {{lanes}};
  static const int pixels = {{in_pixel_count}};
  typedef {{in_t}} in_t;
  typedef {{acc_t}} acc_t;
  typedef {{scale_t}} scale_t;
  typedef {{out_t}} out_t;
  typedef bcnn_hls::pixel<in_t, {{in_channels}}> in_pixel_t;
  static const scale_t scale;
};
{{/config}}
{{#call}}
{{config}}::out_t {{out}}[{{n_out}}];
bcnn_hls::global_avgpool<{{config}}>({{in}}, {{out}});
{{/call}}
{{#tables}}
// {{name}}: exact value of the quantized constant (bcnn-compile). Included once, by parameters.h.
// scale = 1 / {{in_pixel_count}}, in {{scale_format}}.
const {{config}}::scale_t {{config}}::scale = {{scale}};
{{/tables}}
