// A generated project with every pooling and batchnorm kind (maxpool2d, batchnorm on pixels,
// avgpool2d, global_avgpool, batchnorm on an array), the pixel stages at 2 lanes of 3 channels: its C simulation, built with plain g++ -Wall
// -Wextra from the generated CMakeLists.txt, must build without warnings and equal bcnn's
// FixedEmulator bit for bit.
#include <filesystem>
#include <doctest/doctest.h>

#include "cli.h"
#include "data/dataset.h"
#include "eval/evaluate.h"
#include "io/model_file.h"
#include "train/config.h"

namespace {

using namespace bcnn::testing;
using nlohmann::json;

}  // namespace

TEST_CASE("bcnn-compile: a project of pools and batchnorms equals the FixedEmulator bit for bit") {
  TempDir tmp("compile-pools");
  const std::string data = tmp.file("data");
  write_cifar_fixture(data, 20, 12);
  json config = tiny_cifar_config(data);
  config["train"].erase("normalize");
  config["train"].erase("augment");
  config["layers"] = json::array({{{"type", "maxpool2d"}, {"name", "pool1"}, {"size", 2}},  // 3 x 16 x 16
                                  {{"type", "batchnorm"}, {"name", "bn1"}},
                                  {{"type", "avgpool2d"}, {"name", "pool2"}, {"size", 3}, {"stride", 2}},  // 3 x 7 x 7
                                  {{"type", "global_avgpool"}, {"name", "gap"}},
                                  {{"type", "dense"}, {"name", "fc1"}, {"units", 8}},
                                  {{"type", "batchnorm"}, {"name", "bn2"}},
                                  {{"type", "relu"}, {"name", "relu1"}},
                                  {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}});
  const std::string model_path = tmp.file("model.h5");
  bcnn::TrainConfig train = bcnn::make_train_config(config, model_path);
  bcnn::Network& net = *train.network;
  net.init_params(3);
  // Running statistics as training leaves them.
  for (const char* name : {"bn1", "bn2"}) {
    bcnn::Layer& bn = *net.find_layer(name);
    for (std::size_t c = 0; c < bn.param(0).size(); ++c) {
      bn.param(0)[c] = 0.8f + 0.1f * static_cast<float>(c % 5);
      bn.param(1)[c] = 0.05f * static_cast<float>(static_cast<int>(c % 7) - 3);
      bn.param(2)[c] = 0.4f + 0.03f * static_cast<float>(c);
      bn.param(3)[c] = 0.02f + 0.01f * static_cast<float>(c % 4);
    }
  }
  const bcnn::Dataset train_data = bcnn::load_dataset("cifar10", data, bcnn::Split::train);
  const bcnn::Calibration calibration = bcnn::calibrate(net, train_data, 60, 20);
  bcnn::save_model(model_path, {&net, train.resolved, json::object(), &calibration});

  const std::string project = tmp.file("project");
  // lanes beyond an array's elements: refused.
  const ToolResult refused =
      run_tool(compile_exe(), {model_path, "-o", project, "--knob", "bn2.lanes=100000"}, tmp.str(), 300);
  CHECK(refused.status == 1);
  CHECK(contains(refused.err, "--parallelism bn2: expected lanes in 1.."));
  CHECK(!std::filesystem::exists(project));
  // 2 of the 3 channels per cycle in every stage that streams pixels, 3 elements per cycle in the
  // batchnorm on an array.
  const ToolResult compiled =
      run_tool(compile_exe(),
               {model_path, "-o", project, "--tb-images", "8", "--knob", "pool1.lanes=2", "--knob", "bn1.lanes=2",
                "--knob", "pool2.lanes=2", "--parallelism", "gap=2", "--knob", "bn2.lanes=3"},
               tmp.str(), 300);
  INFO(compiled.command, "\nstdout:\n", compiled.out, "\nstderr:\n", compiled.err);
  REQUIRE(compiled.status == 0);
  CHECK(contains(compiled.out, "2 lanes of 3 channels"));
  for (const char* layer : {"pool1", "bn1", "pool2", "gap", "bn2"}) CHECK(contains(compiled.out, layer));
  const std::string parameters = read_text(project + "/firmware/parameters.h");
  CHECK(contains(parameters, "maxpool2d"));
  for (const char* config : {"pool1_config", "bn1_config", "pool2_config", "gap_config"})
    CHECK_MESSAGE(contains(parameters, std::string("struct ") + config + " {\n  static const int channels = 3, lanes = 2;"),
                  config);
  const std::string top = read_text(project + "/firmware/bcnn_top.cpp");
  CHECK(contains(top, "bcnn_hls::maxpool2d<"));
  CHECK(contains(top, "bcnn_hls::avgpool2d<"));
  CHECK(contains(top, "bcnn_hls::global_avgpool<"));
  CHECK(contains(top, "bcnn_hls::batchnorm<"));

  const ToolResult built = run_tool("/bin/sh",
                                    {"-c", "cmake -S project -B project/build -DCMAKE_BUILD_TYPE=Release >/dev/null && "
                                           "cmake --build project/build -j2 2>&1"},
                                    tmp.str(), 300);
  INFO("build:\n", built.out, built.err);
  REQUIRE(built.status == 0);
  CHECK_MESSAGE(!contains(built.out, "warning"), "the generated project builds with warnings");
  const ToolResult tb = run_tool(project + "/build/bcnn_tb", {project + "/tb_data"}, tmp.str(), 300);
  INFO("bcnn_tb:\n", tb.out, tb.err);
  CHECK(tb.status == 0);
  CHECK(contains(tb.out, "8 images, 8 bit-identical to bcnn's FixedEmulator, 0 mismatched"));
  CHECK(contains(tb.out, "heap allocations during bcnn_top: 0"));
}
