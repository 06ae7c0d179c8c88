{{#config}}
// {{name}}: conv2d {{in_channels}} x {{in_height}} x {{in_width}} -> {{out_channels}} x {{out_height}} x {{out_width}}, kernel {{kernel_h}} x {{kernel_w}}{{folded}}
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
  static const int outputs_parallel = {{outputs_parallel}};
  static const int inputs_parallel = {{inputs_parallel}};
  static const int taps_parallel = {{taps_parallel}};
  typedef {{in_t}} in_t;
  typedef {{weight_t}} weight_t;
  typedef {{bias_t}} bias_t;
  typedef {{acc_t}} acc_t;
  typedef {{out_t}} out_t;
  typedef bcnn_hls::pixel<in_t, {{in_channels}}> in_pixel_t;
  typedef bcnn_hls::pixel<out_t, {{out_channels}}> out_pixel_t;
  static const weight_t weights[{{out_channels}}][{{kernel_h}}][{{kernel_w}}][{{in_channels}}];
  static const bias_t bias[{{out_channels}}];
};
{{/config}}
{{#call}}
BCNN_HLS_FIFO_STORAGE bcnn_hls::stream<{{config}}::out_pixel_t, BCNN_HLS_FIFO_DEPTH({{fifo_depth}}, {{out_pixel_count}})> {{out}};
bcnn_hls::conv2d<{{config}}>({{in}}, {{out}});
{{/call}}
{{#tables}}
// {{name}}: exact values of the quantized parameters (bcnn-compile). Included once, by
// parameters.h.
// Weights weights[co][a][b][ci]{{folded}}, in {{weight_format}}.
const {{config}}::weight_t {{config}}::weights[{{out_channels}}][{{kernel_h}}][{{kernel_w}}][{{in_channels}}] =
{{weights}}
// Bias, in {{bias_format}}.
const {{config}}::bias_t {{config}}::bias[{{out_channels}}] =
{{bias}}
{{/tables}}
