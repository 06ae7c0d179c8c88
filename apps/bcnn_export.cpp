// bcnn-export: a bcnn model as an ONNX model (block-circulant layers as their dense equivalents).
// See docs/onnx.md.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "core/tool_main.h"
#include "core/version.h"
#include "io/model_file.h"
#include "onnx/onnx_export.h"

int main(int argc, char** argv) {
  CLI::App app{"Export a bcnn model as ONNX (opset 13): block-circulant layers as their dense equivalents",
               "bcnn-export"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::string model_path, out_path;
  app.add_option("model", model_path, "bcnn model (best.h5, last.h5, a checkpoint, bcnn-compress's output)")->required();
  app.add_option("-o,--output", out_path, "The ONNX model to write (.onnx)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return bcnn::run_tool_main("bcnn-export", "the model is too large for this machine", [&]() -> int {
    bcnn::LoadedModel model = bcnn::load_model(model_path);
    const bcnn::OnnxExportSummary summary = bcnn::export_onnx(*model.network, out_path, model_path);
    std::fprintf(stderr, "wrote %s: %d nodes, %lld weights (opset 13, input \"input\", output \"logits\")\n",
                 out_path.c_str(), summary.nodes, static_cast<long long>(summary.weights));
    return 0;
  });
}
