// bcnn-import: an ONNX model as a bcnn model (config and weights), for bcnn-eval, bcnn-compress and
// bcnn-train --init. See docs/onnx.md.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "core/error.h"
#include "core/tool_main.h"
#include "core/version.h"
#include "data/dataset.h"
#include "io/model_file.h"
#include "onnx/onnx_import.h"

int main(int argc, char** argv) {
  CLI::App app{"Import an ONNX model (Gemm, Conv, Relu, pools, BatchNormalization, Flatten, Dropout) as a bcnn model",
               "bcnn-import"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::string onnx_path, out_path;
  bcnn::OnnxImportOptions options;
  std::vector<double> mean, stddev;
  app.add_option("model", onnx_path, "ONNX model (.onnx)")->required();
  app.add_option("-o,--output", out_path, "The bcnn model to write (HDF5)")->required();
  app.add_option("--dataset", options.dataset, "The dataset the model reads: its images' shape and classes")
      ->check(CLI::IsMember(bcnn::dataset_names()))
      ->capture_default_str();
  app.add_option("--data", options.data_dir, "Dataset directory recorded in the model (default: the dataset's)");
  app.add_option("--mean", mean, "Per-channel mean the model's input is normalized with (x - mean) / std")
      ->delimiter(',');
  app.add_option("--std", stddev, "Per-channel standard deviation of that normalization")->delimiter(',');
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return bcnn::run_tool_main("bcnn-import", "the model is too large for this machine", [&]() -> int {
    const int channels = bcnn::dataset_sample_shape(options.dataset)[0];
    if (mean.empty() != stddev.empty())
      throw bcnn::Error("--mean and --std: expected both or neither, found only " +
                        std::string(mean.empty() ? "--std" : "--mean"));
    if (!mean.empty()) {
      nlohmann::json normalize = {{"mean", mean}, {"std", stddev}};
      bcnn::JsonObject object(normalize, "--mean/--std", "");
      options.normalize = bcnn::Normalization::from_json(object, channels);
    }
    bcnn::ImportedModel imported = bcnn::import_onnx(onnx_path, options);
    for (const auto& note : imported.notes) std::fprintf(stderr, "bcnn-import: %s\n", note.c_str());
    std::fprintf(stderr, "%s", imported.network->layer_table().c_str());
    const nlohmann::json summary = {{"imported_from", onnx_path}};
    bcnn::save_model(out_path, {imported.network.get(), imported.config, summary, nullptr});
    std::fprintf(stderr, "wrote %s: %zu layers, %lld parameters; evaluate it with bcnn-eval %s\n", out_path.c_str(),
                 imported.network->layers().size(), static_cast<long long>(imported.network->total_cost().params),
                 out_path.c_str());
    return 0;
  });
}
