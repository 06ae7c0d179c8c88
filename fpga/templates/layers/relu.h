{{#config}}
// {{name}}: relu {{n_in}}
struct {{config}} {
  static const int n = {{n_in}}, lanes = {{lanes}};
  typedef {{in_t}} in_t;
  typedef {{out_t}} out_t;
};
{{/config}}
{{#call}}
{{config}}::out_t {{out}}[{{n_out}}];
bcnn_hls::relu<{{config}}>({{in}}, {{out}});
{{/call}}
{{#config_pixels}}
// {{name}}: relu {{in_channels}} x {{in_height}} x {{in_width}}, {{lanes}} of {{in_channels}} channels per cycle
struct {{config}} {
  static const int channels = {{in_channels}}, lanes = {{lanes}};
  static const int pixels = {{in_pixel_count}};
  typedef {{in_t}} in_t;
  typedef {{out_t}} out_t;
  typedef bcnn_hls::pixel<in_t, {{in_channels}}> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, {{out_channels}}> out_pixel_t;
};
{{/config_pixels}}
{{#call_pixels}}
BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<{{config}}::out_pixel_t, BCNN_HLS_FIFO_DEPTH({{fifo_depth}}, {{out_pixel_count}})> {{out}};
bcnn_hls::relu<{{config}}>({{in}}, {{out}});
{{/call_pixels}}
