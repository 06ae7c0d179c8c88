{{#config}}
// {{name}}: dense {{n_in}} -> {{n_out}}
struct {{config}} {
  static const int n_in = {{n_in}};
  static const int n_out = {{n_out}};
  static const int reuse_factor = {{reuse_factor}};
  typedef {{in_t}} in_t;
  typedef {{weight_t}} weight_t;
  typedef {{bias_t}} bias_t;
  typedef {{acc_t}} acc_t;
  typedef {{out_t}} out_t;
  static const weight_t weights[{{n_out}}][{{n_in}}];
  static const bias_t bias[{{n_out}}];
};
{{/config}}
{{#call}}
{{config}}::out_t {{out}}[{{n_out}}];
bcnn_hls::dense<{{config}}>({{in}}, {{out}});
{{/call}}
{{#tables}}
// {{name}}: exact values of the quantized parameters (bcnn-compile). Included once, by
// parameters.h.
// Weights weights[o][i], in {{weight_format}}.
const {{config}}::weight_t {{config}}::weights[{{n_out}}][{{n_in}}] =
{{weights}}
// Bias, in {{bias_format}}.
const {{config}}::bias_t {{config}}::bias[{{n_out}}] =
{{bias}}
{{/tables}}
