{{#call}}
// {{name}} ({{type}}): no hardware, the same array
{{/call}}
{{#config_pixels}}
// {{name}}: flatten {{in_channels}} x {{in_height}} x {{in_width}} pixels into an array in C order
struct {{config}} {
  static const int channels = {{in_channels}};
  static const int height = {{in_height}};
  static const int width = {{in_width}};
  typedef {{in_t}} in_t;
  typedef {{out_t}} out_t;
  typedef bcnn_hls::pixel<in_t, {{in_channels}}> in_pixel_t;
};
{{/config_pixels}}
{{#call_pixels}}
{{config}}::in_t {{out}}[{{n_out}}];
bcnn_hls::flatten<{{config}}>({{in}}, {{out}});
{{/call_pixels}}
