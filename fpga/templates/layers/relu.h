{{#config}}
// {{name}}: relu {{n_in}}
struct {{config}} {
  static const int n = {{n_in}};
  typedef {{in_t}} in_t;
  typedef {{out_t}} out_t;
};
{{/config}}
{{#call}}
{{config}}::out_t {{out}}[{{n_out}}];
bcnn_hls::relu<{{config}}>({{in}}, {{out}});
{{/call}}
