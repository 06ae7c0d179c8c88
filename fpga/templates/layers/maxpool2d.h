{{#config}}
// {{name}}: maxpool2d {{in_channels}} x {{in_height}} x {{in_width}} -> {{out_channels}} x {{out_height}} x {{out_width}}, max of {{kernel_h}} x {{kernel_w}} windows at stride {{stride_h}} x {{stride_w}}, {{lanes}} of {{in_channels}} channels per cycle
struct {{config}} {
  static const int channels = {{in_channels}}, lanes = {{lanes}};
  static const int in_height = {{in_height}}, in_width = {{in_width}};
  static const int out_height = {{out_height}}, out_width = {{out_width}};
  static const int kernel_h = {{kernel_h}}, kernel_w = {{kernel_w}};
  static const int stride_h = {{stride_h}}, stride_w = {{stride_w}};
  static const int pad_top = 0, pad_left = 0;
  typedef {{in_t}} in_t;
  typedef {{out_t}} out_t;
  typedef bcnn_hls::pixel<in_t, {{in_channels}}> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, {{out_channels}}> out_pixel_t;
};
{{/config}}
{{#call}}
BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<{{config}}::out_pixel_t, BCNN_HLS_FIFO_DEPTH({{fifo_depth}}, {{out_pixel_count}})> {{out}};
bcnn_hls::maxpool2d<{{config}}>({{in}}, {{out}});
{{/call}}
