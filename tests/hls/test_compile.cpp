// bcnn-compile: format selection, the estimator, and whole projects generated for a dense-only, a
// bc-only and a mixed model, whose C simulation (built here with plain g++ -Wall -Wextra from the
// generated CMakeLists.txt) must equal bcnn's FixedEmulator bit for bit; bad inputs end in one
// clear message, exit status 1 and no partial project.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>
#include <chrono>
#include <csignal>

#include "cli.h"
#include "full_disk.h"
#include "data/dataset.h"
#include "eval/evaluate.h"
#include "hls/estimate.h"
#include "hls/project.h"
#include "hw/bc_dense.h"
#include "hw/conv2d.h"
#include "hw/dense.h"
#include "io/model_file.h"
#include "quant/emulator.h"
#include "quant/quantize.h"
#include "train/config.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

ToolResult run_compile(const std::vector<std::string>& args, const std::string& work_dir) {
  return run_tool(compile_exe(), args, work_dir, 300);
}

ToolResult run_shell(const std::string& command, const std::string& work_dir, double timeout_s = 300) {
  return run_tool("/bin/sh", {"-c", command}, work_dir, timeout_s);
}

json layers_dense_only() {
  return json::array({{{"type", "flatten"}, {"name", "flatten"}},
                      {{"type", "dense"}, {"name", "fc1"}, {"units", 12}},
                      {{"type", "relu"}, {"name", "relu1"}},
                      {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}});
}

json layers_bc_only() {
  // The last layer's 10 outputs are cut from p * K = 16: padding and cutting are exercised.
  return json::array({{{"type", "flatten"}, {"name", "flatten"}},
                      {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 32}, {"block", 16}},
                      {{"type", "relu"}, {"name", "relu1"}},
                      {{"type", "bc_dense"}, {"name", "fc2"}, {"units", 10}, {"block", 8}}});
}

json layers_mixed() {
  return json::array({{{"type", "flatten"}, {"name", "flatten"}},
                      {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 32}, {"block", 8}},
                      {{"type", "relu"}, {"name", "relu1"}},
                      {{"type", "dropout"}, {"name", "drop1"}, {"rate", 0.25}},
                      {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}});
}

// A streaming network: conv2d with a folded batchnorm, relu on pixels, flatten into dense.
json layers_cnn() {
  return json::array({{{"type", "conv2d"}, {"name", "conv1"}, {"filters", 5}, {"kernel", 3}, {"padding", "same"}},
                      {{"type", "batchnorm"}, {"name", "bn1"}},
                      {{"type", "relu"}, {"name", "relu1"}},
                      {{"type", "conv2d"}, {"name", "conv2"}, {"filters", 3}, {"kernel", 4}, {"stride", 3}},
                      {{"type", "flatten"}, {"name", "flatten"}},
                      {{"type", "dense"}, {"name", "fc1"}, {"units", 12}},
                      {{"type", "relu"}, {"name", "relu2"}},
                      {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}});
}

struct SavedModel {
  std::string path;
  std::unique_ptr<bcnn::Network> network;
  bcnn::Calibration calibration;
};

// A tiny network with the given layers on the MNIST-format fixture in `data_dir`: parameters
// initialized (biases made non-zero), calibrated on the fixture's training split, saved.
SavedModel save_model_with(const std::string& path, const json& layers, const std::string& data_dir,
                           bool with_calibration = true, std::uint64_t seed = 5,
                           const std::function<void(bcnn::Network&)>& adjust = {}) {
  json config = tiny_config(data_dir);
  config["layers"] = layers;
  bcnn::TrainConfig train = bcnn::make_train_config(config, path);
  SavedModel m;
  m.path = path;
  m.network = std::move(train.network);
  m.network->init_params(seed);
  for (const auto& range : m.network->param_ranges()) {
    // A copy: param_specs() returns a temporary vector, so a reference into it would dangle.
    const bcnn::ParamSpec spec = m.network->layers()[range.layer]->param_specs()[range.spec];
    if (spec.name != "bias") continue;
    for (std::size_t i = 0; i < range.size; ++i)
      m.network->params()[range.offset + i] = 0.05f * static_cast<float>(static_cast<int>(i % 7) - 3);
  }
  if (adjust) adjust(*m.network);
  const bcnn::Dataset train_data = bcnn::load_dataset("mnist", data_dir, bcnn::Split::train);
  m.calibration = bcnn::calibrate(*m.network, train_data, 100, 50);
  bcnn::save_model(path, {m.network.get(), train.resolved, json::object(), with_calibration ? &m.calibration : nullptr});
  return m;
}

std::vector<std::vector<long long>> read_rows(const std::string& path) {
  std::vector<std::vector<long long>> rows;
  std::istringstream in(read_text(path));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<long long> row;
    long long v = 0;
    while (fields >> v) row.push_back(v);
    rows.push_back(row);
  }
  return rows;
}

// The constants of the generated config struct `NAME_config` in parameters.h: every
// "static const int a = 1, b = 2;" line of its body.
std::map<std::string, long long> config_constants(const std::string& parameters, const std::string& name) {
  std::map<std::string, long long> constants;
  const std::string opening = "struct " + name + "_config {";
  const std::size_t begin = parameters.find(opening);
  if (begin == std::string::npos) return constants;
  const std::size_t end = parameters.find("\n};", begin);
  std::istringstream body(parameters.substr(begin + opening.size(), end - begin - opening.size()));
  std::string line;
  const std::string prefix = "static const int ";
  while (std::getline(body, line)) {
    const std::size_t at = line.find(prefix);
    if (at == std::string::npos) continue;
    std::string list = line.substr(at + prefix.size());
    list = list.substr(0, list.find(';'));
    std::istringstream items(list);
    std::string item;
    while (std::getline(items, item, ',')) {
      const std::size_t eq = item.find('=');
      if (eq == std::string::npos) continue;
      std::string key = item.substr(0, eq);
      key.erase(0, key.find_first_not_of(' '));
      key.erase(key.find_last_not_of(' ') + 1);
      constants[key] = std::stoll(item.substr(eq + 1));
    }
  }
  return constants;
}

// The estimate follows the generated code: every constant a stage's estimate assumes (its
// unrolls, partitions, pipeline IIs; report.json's "assumes") is what the generated config of
// that layer says, which the kernel's pragmas are derived from.
void check_estimate_follows_code(const std::string& project) {
  const json report = json::parse(read_text(project + "/report.json"));
  const std::string parameters = read_text(project + "/firmware/parameters.h");
  int checked = 0;
  for (const auto& stage : report["estimate"]["stages"]) {
    const auto assumes = stage["assumes"].get<std::map<std::string, long long>>();
    if (assumes.empty()) continue;
    const std::string name = stage["name"].get<std::string>();
    CAPTURE(name);
    const auto constants = config_constants(parameters, name);
    REQUIRE_MESSAGE(!constants.empty(), "no config struct for " << name);
    for (const auto& [key, value] : assumes) {
      CAPTURE(key);
      REQUIRE(constants.count(key) == 1);
      CHECK(constants.at(key) == value);
      ++checked;
    }
  }
  CHECK(checked > 0);
}
// What a project test checks beyond the common part: the generated build's CMake arguments, lines
// the test bench must print, and more checks on the built project (its directory, the test's
// temporary directory).
struct ProjectChecks {
  std::string cmake_args;
  std::vector<std::string> tb_lines{"heap allocations during bcnn_top: 0"};
  std::function<void(const std::string& project, const std::string& work)> more;
};

// Builds the project's XRT host against a stand-in of XRT's API that logs its calls ("mock: ...")
// into work/xrt_host.
void build_mock_xrt_host(const std::string& project, const std::string& work) {
  const std::string xrt = work + "/xrt_mock/xrt";
  fs::create_directories(xrt);
  write_text(xrt + "/xrt_device.h", R"(#pragma once
#include <stdexcept>
#include <string>
namespace xrt {
struct uuid {};
struct device {
  explicit device(unsigned) {}
  uuid load_xclbin(const std::string& path) {
    if (path == "missing.xclbin") throw std::runtime_error("mock: cannot load " + path);
    return uuid();
  }
};
}  // namespace xrt
)");
  write_text(xrt + "/xrt_bo.h", R"(#pragma once
#include <cstddef>
#include <cstdio>
#include <memory>
#include <vector>
enum xclBOSyncDirection { XCL_BO_SYNC_BO_TO_DEVICE, XCL_BO_SYNC_BO_FROM_DEVICE };
namespace xrt {
struct device;
inline int& bo_count() { static int n = 0; return n; }
struct bo {
  std::shared_ptr<std::vector<char>> data;
  int id = -1;
  bo() {}
  bo(const device&, std::size_t bytes, int) : data(std::make_shared<std::vector<char>>(bytes)), id(bo_count()++) {}
  template <class T> T map() { return reinterpret_cast<T>(data->data()); }
  void sync(xclBOSyncDirection d, std::size_t, std::size_t) {
    std::printf("mock: sync %s bo%d\n", d == XCL_BO_SYNC_BO_TO_DEVICE ? "to" : "from", id);
  }
};
}  // namespace xrt
)");
  write_text(xrt + "/xrt_kernel.h", R"(#pragma once
#include "xrt/xrt_bo.h"
#include "xrt/xrt_device.h"
namespace xrt {
struct run {
  int id = -1;
  void wait() { std::printf("mock: wait bo%d\n", id); }
};
struct kernel {
  kernel(const device&, const uuid&, const char*) {}
  int group_id(int) { return 0; }
  static void print(const bo& b) { std::printf(" bo%d", b.id); }
  static void print(int v) { std::printf(" %d", v); }
  template <class... Args>
  run operator()(const bo& in, const bo&, const Args&... args) {
    std::printf("mock: run bo%d", in.id);
    (print(args), ...);
    std::printf("\n");
    run r;
    r.id = in.id;
    return r;
  }
};
}  // namespace xrt
)");
  const ToolResult host_built = run_shell("g++ -std=c++17 -Wall -Wextra -I" + project + "/firmware -I" + work +
                                              "/xrt_mock " + project + "/host/host.cpp -o " + work + "/xrt_host 2>&1",
                                          work);
  INFO("XRT host build:\n", host_built.out);
  REQUIRE(host_built.status == 0);
  CHECK(!contains(host_built.out, "warning"));
}

// The mock calls of an XRT host run, "; "-separated.
std::string mock_calls(const ToolResult& run) {
  std::string calls;
  for (const auto& line : lines_with(run.out, "mock: ")) calls += line.substr(6) + "; ";
  return calls;
}

// Replaces `from` (which must be there) by `to` in the project's bcnn_top.cpp, rebuilds the test
// bench and runs it: what a test does to show that the property it checks can fail.
ToolResult run_tb_with_top_edit(const std::string& project, const std::string& work, const std::string& from,
                                const std::string& to) {
  const std::string top_path = project + "/firmware/bcnn_top.cpp";
  std::string top = read_text(top_path);
  REQUIRE(contains(top, from));
  top.replace(top.find(from), from.size(), to);
  write_text(top_path, top);
  const ToolResult rebuilt = run_shell("cmake --build " + project + "/build --target bcnn_tb 2>&1", work);
  REQUIRE(rebuilt.status == 0);
  return run_tool(project + "/build/bcnn_tb", {project + "/tb_data"}, work);
}

// Compiles `layers` into a project, builds its C simulation with the generated CMakeLists.txt and
// runs the test bench and the software-emulation host over `tb_images` images.
void check_project(const json& layers, const std::string& tag, const std::vector<std::string>& extra_args,
                   const ProjectChecks& checks = {}) {
  TempDir tmp("compile-" + tag);
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 100, 40);
  const SavedModel model = save_model_with(tmp.file("model.h5"), layers, data);
  const std::string project = tmp.file("project");

  std::vector<std::string> args{model.path, "-o", project, "--tb-images", "24"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const ToolResult compiled = run_compile(args, tmp.str());
  INFO(compiled.command, "\nstdout:\n", compiled.out, "\nstderr:\n", compiled.err);
  REQUIRE(compiled.status == 0);
  // The layer table and the estimate come first.
  CHECK(contains(compiled.out, "fc1"));
  CHECK(contains(compiled.out, "BRAM18K"));
  CHECK(contains(compiled.out, "images/s"));
  CHECK(contains(compiled.out, "Bound by stage "));
  check_estimate_follows_code(project);
  CHECK(contains(compiled.out, "power   ~"));
  CHECK(contains(compiled.out, "images/J"));
  for (const char* file : {"firmware/bcnn_top.cpp", "firmware/bcnn_top.h", "firmware/parameters.h",
                           "firmware/defines.h", "firmware/weights/fc1.h", "firmware/weights/fc2.h",
                           "firmware/bcnn_hls/bcnn_hls.h", "firmware/bcnn_hls/fixed.h", "firmware/bcnn_hls/bc_dense.h",
                           "tb/bcnn_tb.cpp", "tb_data/inputs.txt", "tb_data/expected.txt", "tb_data/labels.txt",
                           "build_prj.tcl", "CMakeLists.txt", "host/host.cpp", "report.json", "report.md", "README.md"})
    CHECK_MESSAGE(fs::exists(fs::path(project) / file), "missing " << file);
  // Nothing beside the project: no temporary directory left.
  for (const auto& entry : fs::directory_iterator(tmp.path()))
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path());

  // tb_data/expected.txt is the FixedEmulator's output for the quantized model.
  {
    const bcnn::LoadedModel loaded = bcnn::load_model(model.path);
    bcnn::QuantOptions options;
    options.model_path = model.path;
    const bcnn::QuantizedModel q = bcnn::quantize_model(loaded, options);
    bcnn::FixedEmulator emulator(q);
    const bcnn::Dataset test = bcnn::load_dataset("mnist", data, bcnn::Split::test);
    const auto expected = read_rows(project + "/tb_data/expected.txt");
    const auto inputs = read_rows(project + "/tb_data/inputs.txt");
    REQUIRE(expected.size() == 24);
    REQUIRE(inputs.size() == 24);
    std::vector<std::int64_t> logits(q.n_out);
    for (int i = 0; i < 3; ++i) {
      emulator.run(test.images.sample(i), logits.data());
      CHECK(std::vector<long long>(logits.begin(), logits.end()) == expected[i]);
      CHECK(inputs[i].size() == static_cast<std::size_t>(q.n_in));
    }
    const json report = json::parse(read_text(project + "/report.json"));
    CHECK(report["tb"]["images"] == 24);
    CHECK(report["layers"].size() == q.layers.size());
    CHECK(report["estimate"]["total"]["dsp"].get<int>() >= 0);
    // The energy model: static plus dynamic watts, images per joule at the estimated throughput,
    // and TrueNorth's figures, one of them at the test bench's accuracy (the fixture is MNIST).
    const json& power = report["power"];
    CHECK(power["model"] == "bcnn-power-1");
    CHECK(power["estimate_only"] == true);
    CHECK(power["toggle_rate"].get<double>() == doctest::Approx(0.125));
    CHECK(power["static_w"].get<double>() > 0);
    CHECK(power["dynamic_w"].get<double>() > 0);
    CHECK(power["total_w"].get<double>() ==
          doctest::Approx(power["static_w"].get<double>() + power["dynamic_w"].get<double>()));
    CHECK(power["images_per_j"].get<double>() ==
          doctest::Approx(report["estimate"]["images_per_s"].get<double>() / power["total_w"].get<double>()));
    CHECK(power["uj_per_image"].get<double>() == doctest::Approx(1e6 / power["images_per_j"].get<double>()));
    CHECK(power["accuracy"].get<double>() == doctest::Approx(report["tb"]["fixed_accuracy"].get<double>()));
    REQUIRE(power["truenorth"].size() == 3);
    int at_our_accuracy = 0;
    for (const auto& t : power["truenorth"]) at_our_accuracy += t["at_our_accuracy"].get<bool>() ? 1 : 0;
    CHECK(at_our_accuracy == 1);
    CHECK(power["truenorth"][1]["uj_per_image"].get<double>() == doctest::Approx(108));
    CHECK(power["truenorth"][1]["energy_ratio"].get<double>() ==
          doctest::Approx(power["images_per_j"].get<double>() * 108e-6));
    const std::string md = read_text(project + "/report.md");
    CHECK(contains(md, "## Power and energy (estimate)"));
    CHECK(contains(md, "| dynamic: DSP |"));
    CHECK(contains(md, "### Against IBM TrueNorth"));
    CHECK(contains(md, "| this design (estimate) |"));
    CHECK(contains(md, "TrueNorth: MNIST, 64-network ensemble (Esser et al., NIPS 2015)"));
    CHECK(contains(md, "**at our accuracy**"));
    CHECK(contains(md, "estimates until a Vivado power report"));
  }

  // The C simulation with plain g++: no warnings, and bit-identical to the emulator.
  const ToolResult built = run_shell("cmake -S project -B project/build -DCMAKE_BUILD_TYPE=Release " +
                                         checks.cmake_args + " >/dev/null && cmake --build project/build -j2 2>&1",
                                     tmp.str());
  INFO("build:\n", built.out, built.err);
  REQUIRE(built.status == 0);
  CHECK_MESSAGE(!contains(built.out, "warning"), "the generated project builds with warnings");
  const ToolResult tb = run_tool(project + "/build/bcnn_tb", {project + "/tb_data"}, tmp.str());
  INFO("bcnn_tb:\n", tb.out, tb.err);
  CHECK(tb.status == 0);
  CHECK(contains(tb.out, "24 images, 24 bit-identical to bcnn's FixedEmulator, 0 mismatched"));
  for (const auto& line : checks.tb_lines) CHECK_MESSAGE(contains(tb.out, line), "bcnn_tb did not print: " << line);
  CHECK(contains(tb.out, "PASS"));
  CHECK(read_rows(project + "/tb_data/csim_results.txt") == read_rows(project + "/tb_data/expected.txt"));
  const ToolResult host = run_tool(project + "/build/bcnn_host_sw_emu", {"--tb-data", project + "/tb_data", "--batch", "5"},
                                   tmp.str());
  INFO("bcnn_host_sw_emu:\n", host.out, host.err);
  CHECK(host.status == 0);
  CHECK(contains(host.out, "24 of 24 images bit-identical"));
  if (checks.more) checks.more(project, tmp.str());
}

}  // namespace

// --- formats ----------------------------------------------------------------------------------

TEST_CASE("parse_format reads the ap_fixed spellings and refuses impossible formats") {
  using bcnn::parse_format;
  const auto f = parse_format("ap_fixed<16,6>", "--precision");
  CHECK(f.width == 16);
  CHECK(f.integer == 6);
  CHECK(f.q == bcnn_hls::quant_mode::trn);  // the vendor's defaults
  CHECK(f.o == bcnn_hls::overflow_mode::wrap);
  const auto g = parse_format("  ap_fixed< 18 , -2, AP_RND_CONV, AP_SAT_SYM >", "x");
  CHECK(g == bcnn_hls::format{18, -2, bcnn_hls::quant_mode::rnd_conv, bcnn_hls::overflow_mode::sat_sym});
  CHECK(bcnn::format_name(g) == "ap_fixed<18, -2, AP_RND_CONV, AP_SAT_SYM>");
  CHECK(parse_format(bcnn::format_name(g), "round trip") == g);
  CHECK(parse_format("ap_fixed<16, 6, AP_RND, AP_SAT, 0>", "x").o == bcnn_hls::overflow_mode::sat);

  auto message = [](const std::string& text) {
    return error_message([&] { parse_format(text, "--layer-precision fc1.out"); });
  };
  const std::string zero = message("ap_fixed<0, 0>");
  CHECK(contains(zero, "--layer-precision fc1.out"));
  CHECK(contains(zero, "impossible"));
  CHECK(contains(zero, "found 0"));
  CHECK(contains(message("ap_fixed<65, 3>"), "expected a width W of 1..64 bits, found 65"));
  CHECK(contains(message("fixed<16, 6>"), "expected ap_fixed<W, I>"));
  CHECK(contains(message("ap_fixed<16>"), "found \"ap_fixed<16>\""));
  CHECK(contains(message("ap_fixed<16, 6, AP_ROUND>"), "expected a quantization mode"));
  CHECK(contains(message("ap_fixed<16, 6, AP_RND, AP_CLAMP>"), "expected an overflow mode"));
  CHECK(contains(message("ap_fixed<16, 6, AP_RND, AP_WRAP_SM>"), "AP_WRAP_SM is not supported"));
  CHECK(contains(message("ap_ufixed<16, 6>"), "unsigned"));
}

TEST_CASE("quantize_model: conv2d folds the batchnorm after it, and the emulation follows the float network") {
  TempDir tmp("quantize-fold");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 60, 10);
  // Batchnorm statistics far from the identity, so that folding matters.
  auto adjust = [](bcnn::Network& net) {
    for (const auto& range : net.param_ranges()) {
      const auto& layer = *net.layers()[range.layer];
      if (layer.name() != "bn1") continue;
      const std::string name = layer.param_specs()[range.spec].name;
      for (std::size_t i = 0; i < range.size; ++i) {
        float& v = net.params()[range.offset + i];
        const float t = static_cast<float>(i) / static_cast<float>(range.size);
        if (name == "gamma") v = 0.5f + 1.5f * t;
        if (name == "beta") v = 0.3f - 0.6f * t;
        if (name == "running_mean") v = 0.1f - 0.4f * t;
        if (name == "running_var") v = 0.2f + 2.0f * t;
      }
    }
  };
  const SavedModel saved = save_model_with(tmp.file("cnn.h5"), layers_cnn(), data, true, 5, adjust);
  const bcnn::LoadedModel model = bcnn::load_model(saved.path);
  bcnn::QuantOptions options;
  options.model_path = saved.path;
  bcnn::QuantReport report;
  const bcnn::QuantizedModel q = bcnn::quantize_model(model, options, &report);
  // bn1 is gone: conv1 writes its output, in a format covering its calibrated range.
  REQUIRE(q.layers.size() == 7);
  CHECK(q.layers[0].name == "conv1");
  CHECK(q.layers[1].name == "relu1");
  CHECK(bcnn::hw::params_of<bcnn::hw::Conv2dParams>(q.layers[0]).folded == "bn1");
  const auto& bn_range = saved.calibration.layers.at("bn1");
  CHECK(q.layers[0].out.integer == bcnn::integer_bits_for_range(bn_range.output_min, bn_range.output_max, 16));
  CHECK(q.layers[0].in_pixels);
  CHECK(q.layers[0].out_pixels);
  CHECK(q.layers[1].out_pixels);        // relu on pixels
  CHECK_FALSE(q.layers[3].out_pixels);  // flatten writes an array
  // The emulated conv1 output against the float batchnorm's, image by image.
  const bcnn::Dataset test = bcnn::load_dataset("mnist", data, bcnn::Split::test);
  bcnn::FixedEmulator emulator(q);
  bcnn::Tensor x;
  x.resize(1, model.network->input_shape());
  double worst = 0, scale = 0;
  for (int n = 0; n < 5; ++n) {
    std::copy(test.images.sample(n), test.images.sample(n) + q.n_in, x.data());
    model.network->forward(x, bcnn::ForwardContext{});
    const bcnn::Tensor& bn = model.network->output(1);
    const auto trace = emulator.trace(test.images.sample(n));
    for (std::size_t i = 0; i < trace[0].size(); ++i) {
      const double fixed = std::ldexp(static_cast<double>(trace[0][i]), -q.layers[0].out.fraction_bits());
      worst = std::max(worst, std::abs(fixed - bn.data()[i]));
      scale = std::max(scale, std::abs(static_cast<double>(bn.data()[i])));
    }
  }
  CHECK(scale > 0.5);
  CHECK(worst < 0.01 * scale);
}

TEST_CASE("integer_bits_for_range: the fewest integer bits whose range holds the interval") {
  using bcnn::integer_bits_for_range;
  CHECK(integer_bits_for_range(0, 1, 16) == 2);     // 1.0 needs [-2, 2)
  CHECK(integer_bits_for_range(0, 0.99, 16) == 1);  // [-1, 1 - 2^-15]
  CHECK(integer_bits_for_range(-1, 0.5, 16) == 1);  // -1 is the minimum of fixed<16, 1>
  CHECK(integer_bits_for_range(-1.0001, 0, 16) == 2);
  CHECK(integer_bits_for_range(-3, 7.9, 16) == 4);
  CHECK(integer_bits_for_range(0, 0, 16) == 1);
  CHECK(integer_bits_for_range(0, 1e-3, 16) == 1);  // at least the sign bit
  // Just below 2^(I-1): representable only when the LSB is fine enough.
  CHECK(integer_bits_for_range(0, 4 - 1.0 / 64, 8) == 4);  // fixed<8, 3>: max 3.96875 < 3.984375
  CHECK(integer_bits_for_range(0, 4 - 1.0 / 64, 16) == 3);
}

TEST_CASE("quantize_model: formats from calibration, exact accumulators, overrides, errors") {
  TempDir tmp("quantize");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 60, 10);
  const SavedModel saved = save_model_with(tmp.file("mixed.h5"), layers_mixed(), data);
  const bcnn::LoadedModel model = bcnn::load_model(saved.path);
  bcnn::QuantOptions options;
  options.model_path = saved.path;
  bcnn::QuantReport report;
  const bcnn::QuantizedModel q = bcnn::quantize_model(model, options, &report);
  REQUIRE(q.layers.size() == 5);
  const bcnn::QuantLayer& fc1 = q.layers[1];
  const bcnn::QuantLayer& fc2 = q.layers[4];
  const auto& fc1_bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(fc1);
  const auto& fc2_dense = bcnn::hw::params_of<bcnn::hw::DenseParams>(fc2);
  const auto& range1 = saved.calibration.layers.at("fc1");

  // Input: pixels in [0, 1] need 2 integer bits at the default width 16.
  CHECK(q.input == bcnn_hls::format{16, 2, bcnn_hls::quant_mode::rnd, bcnn_hls::overflow_mode::sat});
  CHECK(fc1.in == q.input);
  // Outputs cover the observed range with the fewest integer bits.
  CHECK(fc1.out.width == 16);
  CHECK(fc1.out.integer == bcnn::integer_bits_for_range(range1.output_min, range1.output_max, 16));
  CHECK(std::ldexp(static_cast<double>(fc1.out.max_raw()), -fc1.out.fraction_bits()) >= range1.output_max);
  CHECK(q.layers[2].in == fc1.out);  // relu keeps the format
  CHECK(q.layers[2].out == fc1.out);
  CHECK(fc2.in == fc1.out);          // through the dropout
  // FFT stages: width 16 + log2(8); spec one guard bit above the input.
  CHECK(fc1_bc.spec.width == 19);
  CHECK(fc1_bc.spec.integer == fc1.in.integer + 1);
  CHECK(fc1_bc.ifft.width == 19);
  CHECK(fc1_bc.weight.width == 18);
  CHECK(fc1_bc.twiddle == bcnn_hls::format{18, 2, bcnn_hls::quant_mode::rnd, bcnn_hls::overflow_mode::sat});
  // The twiddles are cos and -sin, quantized.
  CHECK(fc1_bc.twiddle_re[0] == std::int64_t{1} << 16);
  CHECK(fc1_bc.twiddle_im[2] == -(std::int64_t{1} << 16));  // -sin(pi / 2)

  // The accumulator is exact (F = F_weight + F_spec) and holds the worst case of sum_j W * X'.
  CHECK(fc1_bc.acc.q == bcnn_hls::quant_mode::trn);
  CHECK(fc1_bc.acc.o == bcnn_hls::overflow_mode::wrap);
  CHECK(fc1_bc.acc.fraction_bits() == fc1_bc.weight.fraction_bits() + fc1_bc.spec.fraction_bits());
  {
    const int bins = fc1_bc.block / 2 + 1;
    const double x_max = std::ldexp(1.0, fc1_bc.spec.integer - 1);
    double worst = 0;
    for (int i = 0; i < fc1_bc.p; ++i)
      for (int f = 0; f < bins; ++f) {
        double sum = 0;
        for (int j = 0; j < fc1_bc.q; ++j) {
          const std::size_t k = (static_cast<std::size_t>(i) * fc1_bc.q + j) * bins + f;
          sum += (std::abs(static_cast<double>(fc1_bc.weight_re[k])) + std::abs(static_cast<double>(fc1_bc.weight_im[k]))) *
                 std::ldexp(1.0, -fc1_bc.weight.fraction_bits()) * x_max;
        }
        worst = std::max(worst, sum);
      }
    const double acc_max = std::ldexp(static_cast<double>(fc1_bc.acc.max_raw()), -fc1_bc.acc.fraction_bits());
    CHECK(acc_max >= worst);
    CHECK(acc_max / 2 < worst);  // and no integer bit more than needed
  }
  CHECK(fc2_dense.acc.fraction_bits() == fc2_dense.weight.fraction_bits() + fc2.in.fraction_bits());
  // The report names every choice with its rule.
  bool saw_acc = false;
  for (const auto& c : report.choices)
    if (c.layer == "fc1" && c.field == "acc") saw_acc = contains(c.rule, "exact");
  CHECK(saw_acc);
  CHECK(report.calibration_images == 60);

  SUBCASE("overrides win, and pass through flatten, relu and dropout to the same value") {
    options.layer_formats["fc1.out"] = "ap_fixed<12, 4, AP_RND, AP_SAT>";
    options.layer_formats["fc1.acc"] = "ap_fixed<48, 12>";
    options.layer_formats["flatten.in"] = "ap_fixed<10, 1, AP_RND_CONV, AP_SAT>";
    options.layer_formats["fc2.in"] = "ap_fixed<14, 3, AP_RND, AP_SAT>";
    const bcnn::QuantizedModel o = bcnn::quantize_model(model, options);
    CHECK(o.input == bcnn::parse_format("ap_fixed<10, 1, AP_RND_CONV, AP_SAT>", "x"));
    CHECK(o.layers[1].out == bcnn::parse_format("ap_fixed<12, 4, AP_RND, AP_SAT>", "x"));
    CHECK(bcnn::hw::params_of<bcnn::hw::BcDenseParams>(o.layers[1]).acc == bcnn::parse_format("ap_fixed<48, 12>", "x"));
    CHECK(o.layers[2].in == o.layers[1].out);
    CHECK(o.layers[2].out == bcnn::parse_format("ap_fixed<14, 3, AP_RND, AP_SAT>", "x"));  // relu converts
    CHECK(o.layers[4].in == o.layers[2].out);
  }
  SUBCASE("--precision with a full format pins every activation") {
    options.data_format = bcnn::parse_format("ap_fixed<20, 8, AP_RND, AP_SAT>", "--precision");
    options.data_width = 20;
    const bcnn::QuantizedModel o = bcnn::quantize_model(model, options);
    CHECK(o.input == *options.data_format);
    const auto& bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(o.layers[1]);
    CHECK(bc.spec == *options.data_format);
    CHECK(bc.ifft == *options.data_format);
    CHECK(o.layers[4].out == *options.data_format);
  }
  SUBCASE("errors name the model, the layer and the field") {
    options.layer_formats["fc1.bogus"] = "ap_fixed<8, 2>";
    CHECK(contains(error_message([&] { bcnn::quantize_model(model, options); }), "expected a field of bc_dense layer fc1"));
    options.layer_formats.clear();
    options.layer_formats["fc9.out"] = "ap_fixed<8, 2>";
    CHECK(contains(error_message([&] { bcnn::quantize_model(model, options); }), "found \"fc9\""));
    options.layer_formats.clear();
    options.layer_formats["fc1.out"] = "ap_fixed<8, 2>";
    options.layer_formats["relu1.in"] = "ap_fixed<9, 2>";
    CHECK(contains(error_message([&] { bcnn::quantize_model(model, options); }), "(the same value)"));
    options.layer_formats.clear();
    options.layer_formats["fc1.spec"] = "ap_fixed<40, 4>";
    options.layer_formats["fc1.weight"] = "ap_fixed<30, 4>";
    const std::string wide = error_message([&] { bcnn::quantize_model(model, options); });
    CHECK(contains(wide, "impossible"));
    CHECK(contains(wide, "at most 64"));
    options.layer_formats.clear();
    options.parallelism["fc2"].knobs["block_rows"] = 2;
    CHECK(contains(error_message([&] { bcnn::quantize_model(model, options); }),
                   "--knob fc2.block_rows: fc2 is a dense layer, whose knobs are reuse; found \"block_rows\""));
    options.parallelism.clear();
    options.parallelism["fc1"].knobs["block_rows"] = 99;
    CHECK(contains(error_message([&] { bcnn::quantize_model(model, options); }), "expected block rows in parallel in 1..4"));
    options.parallelism.clear();
    options.parallelism["drop1"].units = 2;
    CHECK(contains(error_message([&] { bcnn::quantize_model(model, options); }),
                   "--parallelism drop1: drop1 is a dropout layer, which has no parallelism to set"));
    options.parallelism.clear();
    // relu's knob, lanes: on an array, at most one lane per element.
    options.parallelism["relu1"].units = 100000;
    CHECK(contains(error_message([&] { bcnn::quantize_model(model, options); }),
                   "--parallelism relu1: expected lanes in 1.."));
  }
  SUBCASE("--parallelism LAYER=N: block rows for bc_dense, about N multipliers for dense") {
    options.parallelism["fc1"].units = 2;
    options.parallelism["fc2"].units = 3;
    const bcnn::QuantizedModel o = bcnn::quantize_model(model, options);
    CHECK(bcnn::hw::params_of<bcnn::hw::BcDenseParams>(o.layers[1]).block_rows_parallel == 2);
    const int n_in = o.layers[4].n_in;
    CHECK(bcnn::hw::params_of<bcnn::hw::DenseParams>(o.layers[4]).reuse_factor == (n_in + 2) / 3);
  }
}

// --- estimator ----------------------------------------------------------------------------------

TEST_CASE("estimator: a pipelined FFT engine's DSPs are those of its butterflies with a twiddle other than 1 and -i") {
  const bcnn::FpgaPart zu7 = *bcnn::find_fpga_part("XCZU7EV-FFVC1156-2-E");
  // One butterfly's complex product b * w: 4 real multipliers of 27 x 18 bits.
  const std::int64_t butterfly_dsp = 4 * bcnn::dsp_per_multiplier(27, 18, zu7);
  REQUIRE(butterfly_dsp > 0);
  auto dsp = [&](int block, int units, int lanes) {
    return bcnn::hw::fft_engines(block, units, lanes, 27, 18, zu7).dsp;
  };
  // K = 16, fully parallel (32 units, II = 1): of the 32 butterflies, stage 0 and 1 have only
  // twiddles 1 and -i, stage 2 has 8 - 4 others and stage 3 8 - 2: 10 with multipliers.
  CHECK(dsp(16, 32, 1) == 10 * butterfly_dsp);
  CHECK(dsp(16, 32, 3) == 3 * 10 * butterfly_dsp);  // per lane
  // One unit per stage (4 units, II = 8): ceil(10 / 8) = 2 units' multipliers; 16 units (II = 2): 5.
  CHECK(dsp(16, 4, 1) == 2 * butterfly_dsp);
  CHECK(dsp(16, 16, 1) == 5 * butterfly_dsp);
  // K = 64 fully parallel (192 units): 98 of them multiply (fft_multiplier_butterflies).
  CHECK(dsp(64, 192, 1) == 98 * butterfly_dsp);
  // K = 4: every twiddle is 1 or -i, no multiplier at all.
  CHECK(dsp(4, 2, 1) == 0);
  CHECK(dsp(4, 4, 1) == 0);
  // The serial engine keeps its one generic butterfly unit.
  CHECK(dsp(16, 1, 1) == butterfly_dsp);
  CHECK(dsp(4, 1, 1) == butterfly_dsp);
  // The adders stay per unit: the fully parallel engine has more LUTs than the log2(K)-unit one.
  CHECK(bcnn::hw::fft_engines(16, 32, 1, 27, 18, zu7).lut > bcnn::hw::fft_engines(16, 4, 1, 27, 18, zu7).lut);
}

TEST_CASE("estimator: memories, multipliers, the fit check and parallelism for a target throughput") {
  CHECK(bcnn::bram18_for(10, 16) == 0);          // 160 bits: LUTs
  CHECK(bcnn::bram18_for(1024, 18) == 1);
  CHECK(bcnn::bram18_for(1025, 18) == 2);
  CHECK(bcnn::bram18_for(512, 36) == 1);
  CHECK(bcnn::bram18_for(6864, 18) == 7);
  CHECK(bcnn::bram18_for(100, 64) == 2);         // 512 x 36 twice
  const bcnn::FpgaPart zu7 = *bcnn::find_fpga_part("XCZU7EV-FFVC1156-2-E");
  const bcnn::FpgaPart z7020 = *bcnn::find_fpga_part("xc7z020clg400-1");
  CHECK(zu7.dsp == 1728);
  CHECK(z7020.dsp == 220);
  CHECK(!bcnn::find_fpga_part("xc9z999"));
  CHECK(bcnn::fpga_parts().size() >= 7);
  CHECK(bcnn::dsp_per_multiplier(27, 18, zu7) == 1);
  CHECK(bcnn::dsp_per_multiplier(27, 18, z7020) == 2);  // 25 x 18 on the DSP48E1
  CHECK(bcnn::dsp_per_multiplier(36, 18, zu7) == 2);
  CHECK(bcnn::dsp_per_multiplier(8, 8, zu7) == 0);

  TempDir tmp("estimate");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 60, 10);
  const SavedModel saved = save_model_with(tmp.file("mixed.h5"), layers_mixed(), data);
  const bcnn::LoadedModel model = bcnn::load_model(saved.path);
  bcnn::QuantOptions options;
  options.model_path = saved.path;
  bcnn::QuantizedModel q = bcnn::quantize_model(model, options);

  const bcnn::DesignEstimate base = bcnn::estimate_design(q, zu7, 5, bcnn::HlsInterface::m_axi);
  REQUIRE(base.stages.size() == 5);  // read, fc1, relu1, fc2, write (flatten and dropout are free)
  CHECK(base.fits);
  CHECK(base.warnings.empty());
  std::int64_t ii = 0, latency = 0, dsp = 0;
  for (const auto& s : base.stages) {
    ii = std::max(ii, s.ii_cycles);
    latency += s.latency_cycles;
    dsp += s.resources.dsp;
  }
  CHECK(base.ii_cycles == ii);
  CHECK(base.latency_cycles == latency);
  CHECK(base.total.dsp == dsp);
  CHECK(base.images_per_s == doctest::Approx(1e9 / (5.0 * ii)));
  CHECK(base.stages[1].resources.dsp == 12);  // forward and inverse butterflies, one complex MAC

  // More block rows and bins, pipelined FFT engines (one butterfly unit per stage): more DSPs,
  // shorter II.
  bcnn::QuantizedModel faster = q;
  auto& faster_bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(faster.layers[1]);
  faster_bc.block_rows_parallel = 4;
  faster_bc.bins_parallel = 5;
  faster_bc.fft_units = faster_bc.ifft_units = bcnn::hw::fft_engine_units(faster_bc.block)[1];
  const bcnn::DesignEstimate fast = bcnn::estimate_design(faster, zu7, 5, bcnn::HlsInterface::m_axi);
  CHECK(fast.stages[1].ii_cycles < base.stages[1].ii_cycles);
  CHECK(fast.stages[1].resources.dsp > base.stages[1].resources.dsp);

  // Does not fit: a dense layer with a multiplier per input on a small part.
  bcnn::QuantizedModel wide = q;
  bcnn::hw::params_of<bcnn::hw::DenseParams>(wide.layers[4]).reuse_factor = 1;  // 32 multipliers
  bcnn::FpgaPart tiny = z7020;
  tiny.dsp = 20;
  const bcnn::DesignEstimate over = bcnn::estimate_design(wide, tiny, 5, bcnn::HlsInterface::axis);
  CHECK(!over.fits);
  REQUIRE(!over.warnings.empty());
  CHECK(contains(over.warnings[0], "DOES NOT FIT"));
  CHECK(contains(over.warnings[0], "DSP"));

  // Target throughput: the chosen parallelism meets it with no larger one than needed.
  const double target = 1.2 * base.images_per_s;
  bcnn::QuantizedModel chosen = q;
  const auto warnings = bcnn::choose_parallelism(chosen, zu7, 5, bcnn::HlsInterface::m_axi, target);
  CHECK(warnings.empty());
  const bcnn::DesignEstimate met = bcnn::estimate_design(chosen, zu7, 5, bcnn::HlsInterface::m_axi);
  CHECK(met.images_per_s >= target);
  const auto& chosen_bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(chosen.layers[1]);
  CHECK(chosen_bc.block_rows_parallel * chosen_bc.bins_parallel * chosen_bc.block_cols_parallel * chosen_bc.fft_units *
            chosen_bc.ifft_units >
        1);
  // Out of reach: the input interface alone needs n_in / values per beat cycles per image.
  bcnn::QuantizedModel impossible = q;
  const auto out_of_reach = bcnn::choose_parallelism(impossible, zu7, 5, bcnn::HlsInterface::m_axi, 1e9);
  REQUIRE(!out_of_reach.empty());
  CHECK(contains(out_of_reach.front(), "out of reach"));
  // The default port width: the narrowest that keeps both interfaces within the slowest layer.
  {
    auto split = [](const bcnn::DesignEstimate& e) {
      std::int64_t interfaces = 0, layers = 0;
      for (const auto& s : e.stages) {
        std::int64_t& ii = s.type == "interface" ? interfaces : layers;
        ii = std::max(ii, s.ii_cycles);
      }
      return std::pair{interfaces, layers};
    };
    for (const double images_per_s : {0.0, 2.0 * base.images_per_s, 50.0 * base.images_per_s}) {
      CAPTURE(images_per_s);
      bcnn::QuantizedModel m = q;
      if (images_per_s > 0) bcnn::choose_parallelism(m, zu7, 5, bcnn::HlsInterface::m_axi, images_per_s);
      const int bits = bcnn::choose_axi_bits(m, zu7, 5, bcnn::HlsInterface::m_axi);
      const auto [interfaces, layers] = split(bcnn::estimate_design(m, zu7, 5, {bcnn::HlsInterface::m_axi, bits}));
      CHECK(interfaces <= layers);
      if (bits > 16) {
        const auto [narrower, same] = split(bcnn::estimate_design(m, zu7, 5, {bcnn::HlsInterface::m_axi, bits / 2}));
        CHECK(narrower > same);
      }
    }
  }
  // A target whose design would not fit the part: the fastest design that fits, and the warning.
  bcnn::QuantizedModel crowded = q;
  bcnn::FpgaPart small = zu7;
  small.dsp = 40;
  const auto crowded_warnings = bcnn::choose_parallelism(crowded, small, 5, bcnn::HlsInterface::m_axi, 1e9);
  REQUIRE(!crowded_warnings.empty());
  CHECK(contains(crowded_warnings.back(), "does not fit " + small.name));
  CHECK(contains(crowded_warnings.back(), "within 80% of every resource: the fastest design found that does reaches"));
  const bcnn::DesignEstimate fitted = bcnn::estimate_design(crowded, small, 5, bcnn::HlsInterface::m_axi);
  CHECK(fitted.fits);
  CHECK(fitted.total.dsp <= 32);  // 80% of 40
  CHECK(fitted.images_per_s > base.images_per_s);
  // A part too small for even the cheapest design: the cheapest, and the warning.
  bcnn::QuantizedModel too_big = q;
  bcnn::FpgaPart tiny_part = zu7;
  tiny_part.dsp = 2;
  const auto too_big_warnings = bcnn::choose_parallelism(too_big, tiny_part, 5, bcnn::HlsInterface::m_axi, 1e9);
  REQUIRE(!too_big_warnings.empty());
  CHECK(contains(too_big_warnings.back(), "even the cheapest design uses more than 80% of a resource of"));
  const bcnn::DesignEstimate cheapest = bcnn::estimate_design(too_big, tiny_part, 5, bcnn::HlsInterface::m_axi);
  CHECK(cheapest.ii_cycles > fitted.ii_cycles);
  CHECK(cheapest.total.dsp <= fitted.total.dsp);

  // The interface stages: ceil(n / values per beat) beats per image; on m_axi the batch's burst
  // latency and its FIFO are in the latency, not the II; a wider port costs more LUTs, FFs and
  // BRAM.
  const auto& read_512 = base.stages.front();
  CHECK(read_512.ii_cycles == 2 + (784 + 31) / 32 + 2);  // 16-bit values, 32 per beat
  CHECK(read_512.latency_cycles == read_512.ii_cycles + 64 + (784 + 31) / 32 + 2);
  CHECK(base.stages.back().ii_cycles == 2 + 1 + 2);      // 10 logits in one beat
  CHECK(base.stages.back().latency_cycles == 2 + 1 + 2 + 64 + 1 + 2);
  CHECK(base.axi_bits == 512);
  CHECK(base.input_values_per_beat == 32);
  const bcnn::DesignEstimate narrow = bcnn::estimate_design(q, zu7, 5, bcnn::HlsPorts(bcnn::HlsInterface::m_axi, 32));
  CHECK(narrow.stages.front().ii_cycles == 2 + 392 + 2);
  CHECK(narrow.stages.front().parallelism == "2 values per beat (32-bit m_axi)");
  CHECK(narrow.stages.front().resources.lut < read_512.resources.lut);
  CHECK(narrow.stages.front().resources.bram18 < read_512.resources.bram18);
  const bcnn::DesignEstimate stream = bcnn::estimate_design(q, zu7, 5, bcnn::HlsPorts(bcnn::HlsInterface::axis, 64));
  CHECK(stream.stages.front().latency_cycles == 2 + 196 + 2);
  CHECK(stream.stages.back().latency_cycles == 2 + 3 + 2);
  // At 512 bits the interfaces are far from the bound; at one value per beat a fast design waits
  // for its input, and the estimate says so.
  CHECK(read_512.ii_cycles < base.ii_cycles);
  CHECK(base.warnings.empty());
  // A dense-only design with a multiplier per input of each layer is faster than reading 784
  // values one per beat.
  const SavedModel dense_saved = save_model_with(tmp.file("dense.h5"), layers_dense_only(), data);
  bcnn::QuantOptions dense_options;
  dense_options.model_path = dense_saved.path;
  bcnn::QuantizedModel dense = bcnn::quantize_model(bcnn::load_model(dense_saved.path), dense_options);
  for (auto& l : dense.layers)
    if (l.type == "dense") bcnn::hw::params_of<bcnn::hw::DenseParams>(l).reuse_factor = 1;
  const bcnn::DesignEstimate slow_ports =
      bcnn::estimate_design(dense, zu7, 5, bcnn::HlsPorts(bcnn::HlsInterface::m_axi, 16));
  CHECK(slow_ports.ii_cycles == slow_ports.stages.front().ii_cycles);
  REQUIRE(slow_ports.warnings.size() == 1);
  CHECK(slow_ports.warnings[0] == "the read input stage bounds the throughput (II 788 cycles, 1 value per beat "
                                  "(16-bit m_axi)): widen the ports with --axi-bits");
  CHECK(bcnn::values_per_beat(512, 16) == 32);
  CHECK(bcnn::values_per_beat(512, 18) == 16);  // 18-bit values travel in 32-bit words
  CHECK(bcnn::values_per_beat(8, 16) == 1);
  CHECK(error_message([] { bcnn::check_axi_bits(96, 16, 16); }) ==
        "--axi-bits: expected a power of two from 8 to 1024 bits, found 96");
  CHECK(error_message([] { bcnn::check_axi_bits(16, 16, 32); }) ==
        "--axi-bits: expected at least 32 bits, the width of one result word, found 16");

  // Default for dense layers: the fewest multipliers that keep them off the critical path.
  bcnn::QuantizedModel balanced = q;
  bcnn::balance_layers(balanced, zu7, 5, bcnn::HlsInterface::m_axi);
  const bcnn::DesignEstimate b = bcnn::estimate_design(balanced, zu7, 5, bcnn::HlsInterface::m_axi);
  CHECK(b.ii_cycles == base.ii_cycles);
  CHECK(bcnn::hw::params_of<bcnn::hw::DenseParams>(balanced.layers[4]).reuse_factor > 1);
}

// --- whole projects ------------------------------------------------------------------------------

TEST_CASE("bcnn-compile: a dense-only project's C simulation equals the FixedEmulator bit for bit") {
  // 512-bit m_axi words: 32 values per beat, 784 = 24.5 beats of input (padded).
  ProjectChecks checks;
  checks.tb_lines.push_back("512-bit beats, 32 input and 32 output values per beat");
  checks.more = [](const std::string& project, const std::string&) {
    const std::string top = read_text(project + "/firmware/bcnn_top.cpp");
    CHECK(contains(top, "HLS ARRAY_PARTITION variable=x_input cyclic factor=32"));
    CHECK(contains(top, "HLS ARRAY_PARTITION variable=x_fc2 complete"));  // 10 logits in one beat
    CHECK(contains(read_text(project + "/firmware/defines.h"), "#define BCNN_IN_BEATS 25"));
  };
  check_project(layers_dense_only(), "dense", {"--reuse", "fc1=49", "--axi-bits", "512"}, checks);
}

TEST_CASE("bcnn-compile: a bc-only project (AXI4-Stream, 4 values per beat, TLAST) equals the FixedEmulator bit for bit") {
  ProjectChecks checks;
  checks.tb_lines.push_back("64-bit beats, 4 input and 4 output values per beat");
  checks.more = [](const std::string& project, const std::string& work) {
    CHECK(contains(read_text(project + "/firmware/bcnn_top.cpp"), "HLS ARRAY_PARTITION variable=x_input cyclic factor=4"));
    CHECK(contains(read_text(project + "/build_prj.tcl"), "-DBCNN_HLS_VENDOR_AXIS"));
    // The test bench checks TLAST on the last output beat (10 logits: beats of 4, 4 and 2) and on
    // no other: a top function that never sets it fails.
    const ToolResult tb = run_tb_with_top_edit(project, work, "const bool last = b == BCNN_OUT_BEATS - 1;",
                                               "const bool last = false;");
    INFO("bcnn_tb without TLAST:\n", tb.out, tb.err);
    CHECK(tb.status == 1);
    CHECK(contains(tb.out, "24 images with wrong beats"));
    CHECK(contains(tb.out, "FAIL"));
  };
  check_project(layers_bc_only(), "bc",
                {"--interface", "axis", "--axi-bits", "64", "--block-rows", "fc1=2", "--bins", "fc1=3"}, checks);
}

TEST_CASE("bcnn-compile: a bc project on pipelined and parallel FFT engines equals the FixedEmulator bit for bit") {
  // fc1 (K = 16, q = 49, p = 2): two pipelined forward engines of one unit per stage, a MAC array
  // of 2 rows x 3 bins x 4 block columns, a fully parallel inverse engine (32 units); fc2 (K = 8,
  // q = 4, p = 2): engines of two units per stage (6), two inverse lanes.
  check_project(layers_bc_only(), "engines",
                {"--knob", "fc1.fft_units=4", "--knob", "fc1.fft_lanes=2", "--knob", "fc1.block_rows=2", "--knob",
                 "fc1.bins=3", "--knob", "fc1.block_cols=4", "--knob", "fc1.ifft_units=32", "--knob",
                 "fc2.fft_units=6", "--knob", "fc2.ifft_units=6", "--knob", "fc2.ifft_lanes=2"});
}

TEST_CASE("bcnn-compile: weights in UltraRAM, loaded through the params port, give the FixedEmulator's bits") {
  // fc1 (bc_dense) and conv2 (bc_conv2d) hold their weight spectra in static UltraRAM arrays of
  // bcnn_top, written by a call with load = 1 from weights/params_flat.h; the test bench and the
  // software-emulation host make that call first. Without it the weights are 0 and the test bench
  // fails: the load is what makes the results right.
  const json layers = json::array({{{"type", "conv2d"}, {"name", "conv1"}, {"filters", 4}, {"kernel", 3}},
                                   {{"type", "relu"}, {"name", "relu1"}},
                                   {{"type", "bc_conv2d"}, {"name", "conv2"}, {"filters", 8}, {"kernel", 3},
                                    {"block", 4}, {"stride", 2}, {"padding", "same"}},
                                   {{"type", "flatten"}, {"name", "flatten"}},
                                   {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 16}, {"block", 8}},
                                   {{"type", "relu"}, {"name", "relu2"}},
                                   {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}});
  ProjectChecks checks;
  checks.more = [](const std::string& project, const std::string& work) {
    const json report = json::parse(read_text(project + "/report.json"));
    int in_uram = 0;
    for (const auto& l : report["layers"])
      if (l.value("weights_memory", "") == "uram") ++in_uram;
    CHECK(in_uram == 2);
    CHECK(report["estimate"]["total"]["uram"].get<int>() > 0);
    CHECK(report["estimate"]["stages"][0]["uram"].get<int>() == 0);
    const std::string top = read_text(project + "/firmware/bcnn_top.cpp");
    for (const char* array : {"conv2_w_re", "conv2_w_im", "fc1_w_re", "fc1_w_im"})
      CHECK(contains(top, std::string("HLS BIND_STORAGE variable=") + array + " type=ram_1p impl=uram"));
    CHECK(contains(top, "HLS INTERFACE m_axi port=params offset=slave bundle=gmem2"));
    CHECK(contains(read_text(project + "/firmware/weights/params_flat.h"), "static const long long bcnn_params"));
    CHECK(!contains(read_text(project + "/firmware/weights/fc1.h"), "fc1_config::w_re"));
    CHECK(contains(read_text(project + "/report.md"), "| URAM |"));
    CHECK(contains(read_text(project + "/README.md"), "This design holds weight spectra in UltraRAM (conv2, fc1)"));

    // The XRT host copies the parameter table once (bo4), runs the kernel with load = 1 and no
    // images and waits, then runs the batches with load = 0 (the stand-in computes nothing: only
    // the calls are checked).
    build_mock_xrt_host(project, work);
    const ToolResult runs = run_tool(work + "/xrt_host", {"--xclbin", "k.xclbin", "--tb-data", project + "/tb_data",
                                                          "--batch", "10"}, work);
    INFO("XRT host calls:\n", runs.out);
    CHECK(mock_calls(runs) == "sync to bo4; run bo0 bo4 1 0; wait bo0; sync to bo0; run bo0 bo4 0 10; sync to bo2; "
                              "run bo2 bo4 0 10; wait bo0; sync from bo1; sync to bo0; run bo0 bo4 0 4; wait bo2; "
                              "sync from bo3; wait bo0; sync from bo1; ");

    // Without the load the test bench must fail.
    const ToolResult tb = run_tb_with_top_edit(project, work, "if (load) load_params(", "if (false) load_params(");
    INFO("bcnn_tb without the load:\n", tb.out, tb.err);
    CHECK(tb.status == 1);
    CHECK(contains(tb.out, "FAIL"));
  };
  check_project(layers, "uram", {"--knob", "conv2.uram=1", "--knob", "fc1.uram=1"}, checks);
}

TEST_CASE("bcnn-compile: when block RAM runs short, weight spectra move to UltraRAM where the part has it") {
  // fc1 (784 -> 2048, block 8) and fc2 (2048 -> 2048) need about 890 18K block RAMs for their
  // weight spectra, above 80% of the ZU7EV's 624. fc1's (2 banks of 125,440 words) take 62 of its
  // 96 URAMs; fc2's would take 160, more than the part has, so they stay. The ZU9EG has no URAM.
  TempDir tmp("compile-uram-placement");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 40, 10);
  const json layers = json::array({{{"type", "flatten"}, {"name", "flatten"}},
                                   {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 2048}, {"block", 8}},
                                   {{"type", "relu"}, {"name", "relu1"}},
                                   {{"type", "bc_dense"}, {"name", "fc2"}, {"units", 2048}, {"block", 8}},
                                   {{"type", "dense"}, {"name", "fc3"}, {"units", 10}}});
  const SavedModel model = save_model_with(tmp.file("model.h5"), layers, data);
  auto memories = [&](const std::string& part, const std::string& tag) {
    const std::string project = tmp.file(tag);
    const ToolResult r = run_compile({model.path, "-o", project, "--tb-images", "2", "--part", part}, tmp.str());
    INFO(r.command, "\n", r.out, r.err);
    REQUIRE(r.status == 0);
    const json report = json::parse(read_text(project + "/report.json"));
    std::string found;
    for (const auto& l : report["layers"])
      if (l.contains("weights_memory")) found += l["name"].get<std::string>() + "=" + l["weights_memory"].get<std::string>() + " ";
    return std::pair{found, report["estimate"]["total"]["uram"].get<int>()};
  };
  const auto [zu7ev, zu7ev_uram] = memories("xczu7ev-ffvc1156-2-e", "zu7ev");
  CHECK(zu7ev == "fc1=uram fc2=bram ");
  CHECK(zu7ev_uram == 62);
  const auto [zu9eg, zu9eg_uram] = memories("xczu9eg-ffvb1156-2-e", "zu9eg");
  CHECK(zu9eg == "fc1=bram fc2=bram ");
  CHECK(zu9eg_uram == 0);
}

TEST_CASE("bcnn-compile: a mixed project (Vitis kernel, 128-bit words, C++17, portable bit casts) equals the FixedEmulator bit for bit") {
  // Built as C++17 with the std::memcpy bit casts of compilers without __builtin_bit_cast (GCC 9,
  // 10), and as under co-simulation (RTL_SIM): the heap check is skipped and says so.
  ProjectChecks checks;
  checks.cmake_args = "-DCMAKE_CXX_STANDARD=17 '-DCMAKE_CXX_FLAGS=-DBCNN_HLS_PORTABLE_BIT_CAST -DRTL_SIM'";
  checks.tb_lines = {"128-bit beats, 8 input and 8 output values per beat",
                     "heap allocations not checked under RTL co-simulation (RTL_SIM)"};
  checks.more = [](const std::string& project, const std::string& work) {
    const json report = json::parse(read_text(project + "/report.json"));
    CHECK(report["estimate"]["axi_bits"] == 128);
    CHECK(report["estimate"]["stages"][0]["ii_cycles"] == 2 + 784 / 8 + 2);
    CHECK(report["estimate"]["stages"][0]["latency_cycles"] == 2 + 784 / 8 + 2 + 64 + 784 / 8 + 2);
    CHECK(contains(read_text(project + "/build/CMakeCache.txt"), "CMAKE_CXX_STANDARD:UNINITIALIZED=17"));
    // run_hls.sh runs build_prj.tcl with vitis_hls where it exists, else with vitis-run --mode hls
    // (Vitis 2024.2), the switches in BCNN_HLS_ARGS.
    const std::string bin = work + "/fake_bin";
    fs::create_directories(bin);
    auto fake_tool = [&](const std::string& name) {
      write_text(bin + "/" + name, "#!/bin/sh\necho \"" + name + " $* [$BCNN_HLS_ARGS]\"\n");
      fs::permissions(bin + "/" + name, fs::perms::owner_all);
    };
    const std::string run = "PATH=" + bin + ":/usr/bin:/bin sh " + project + "/run_hls.sh csim=0 cosim=1";
    ToolResult none = run_shell(run, work);
    CHECK(none.status == 127);
    CHECK(contains(none.err, "found neither vitis_hls nor vitis-run"));
    fake_tool("vitis-run");
    ToolResult new_tool = run_shell(run, work);
    CHECK(contains(new_tool.out, "vitis-run --mode hls --tcl build_prj.tcl [csim=0 cosim=1]"));
    fake_tool("vitis_hls");
    ToolResult old_tool = run_shell(run, work);
    CHECK(contains(old_tool.out, "vitis_hls -f build_prj.tcl [csim=0 cosim=1]"));

    // The XRT host against a stand-in of XRT's API that logs its calls: two buffer sets, batch
    // n + 1 sent and started before batch n is waited for; XRT's exceptions end it with one
    // message and exit status 1.
    build_mock_xrt_host(project, work);
    const ToolResult missing = run_tool(work + "/xrt_host", {"--xclbin", "missing.xclbin", "--tb-data",
                                                             project + "/tb_data"}, work);
    CHECK(missing.status == 1);
    CHECK(missing.err == "bcnn_host: error: mock: cannot load missing.xclbin\n");
    const ToolResult runs = run_tool(work + "/xrt_host", {"--xclbin", "k.xclbin", "--tb-data", project + "/tb_data",
                                                          "--batch", "10"}, work);
    INFO("XRT host calls:\n", runs.out);
    CHECK(mock_calls(runs) == "sync to bo0; run bo0 10; sync to bo2; run bo2 10; wait bo0; sync from bo1; sync to bo0; "
                   "run bo0 4; wait bo2; sync from bo3; wait bo0; sync from bo1; ");
  };
  check_project(layers_mixed(), "mixed",
                {"--part", "xcu50-fsvh2104-2-e", "--clock-ns", "3.33", "--target-images-per-s", "20000", "--axi-bits",
                 "128"},
                checks);
}

// --- bad input ----------------------------------------------------------------------------------

TEST_CASE("bcnn-compile: a convolutional project (pixel streams, folded batchnorm) equals the FixedEmulator bit for bit") {
  check_project(layers_cnn(), "cnn", {});
}

TEST_CASE("bcnn-compile: bad input ends in one clear message, exit status 1 and no partial project") {
  TempDir tmp("compile-errors");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 60, 10);
  const SavedModel good = save_model_with(tmp.file("good.h5"), layers_mixed(), data);
  const std::string work = tmp.file("work");
  fs::create_directories(work);

  auto expect_failure = [&](const std::vector<std::string>& args, const std::vector<std::string>& parts) {
    const auto before = list_tree(work);
    const ToolResult r = run_compile(args, work);
    INFO(r.command, "\nstderr:\n", r.err, "\nstdout:\n", r.out);
    CHECK(r.signal == 0);
    CHECK(r.status == 1);
    CHECK(contains(r.err, "bcnn-compile: error: "));
    CHECK(lines_with(r.err, "error:").size() == 1);
    for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
    CHECK(list_tree(work) == before);  // no project, no temporary directory
  };
  const std::string out = work + "/project";

  SUBCASE("not a model file") {
    write_text(tmp.file("notes.h5"), "not a model\n");
    expect_failure({tmp.file("notes.h5"), "-o", out}, {"notes.h5", "expected an HDF5 file"});
  }
  SUBCASE("a missing model file") {
    expect_failure({tmp.file("absent.h5"), "-o", out}, {"absent.h5"});
  }
  SUBCASE("an unsupported layer: a block size the HLS FFT does not have") {
    json layers = layers_mixed();
    layers[1]["block"] = 6;
    const SavedModel odd = save_model_with(tmp.file("odd.h5"), layers, data);
    expect_failure({odd.path, "-o", out}, {"odd.h5", "unsupported layer fc1", "block 6", "power-of-two blocks 4..256"});
  }
  SUBCASE("an impossible default precision") {
    expect_failure({good.path, "-o", out, "--precision", "0"}, {"--precision", "impossible width 0"});
    expect_failure({good.path, "-o", out, "--precision", "ap_fixed<80, 10>"}, {"--precision", "impossible", "found 80"});
  }
  SUBCASE("an impossible layer precision") {
    expect_failure({good.path, "-o", out, "--layer-precision", "fc1.out=ap_fixed<0,0>"},
                   {"--layer-precision fc1.out", "impossible"});
    expect_failure({good.path, "-o", out, "--layer-precision", "fc1.acc=ap_fixed<64,20>", "--layer-precision",
                    "fc1.weight=ap_fixed<32,4>"},
                   {"fc1", "impossible", "at most 64"});
    expect_failure({good.path, "-o", out, "--layer-precision", "relu1.spec=ap_fixed<16,4>"},
                   {"relu1", "expected a field of relu layer"});
  }
  SUBCASE("twiddles that do not hold 1 and -1 exactly (the pipelined FFT engines rely on them)") {
    expect_failure({good.path, "-o", out, "--layer-precision", "fc1.twiddle=ap_fixed<18,1>"},
                   {"fc1 twiddle", "exactly 1 and -i", "found w[0] = (",
                    "give fc1.twiddle at least 2 integer bits"});
    expect_failure({good.path, "-o", out, "--weight-precision", "1"},
                   {"twiddle", "--weight-precision 1 cannot hold the twiddles 1 and -1 exactly"});
  }
  SUBCASE("a convolution's format too narrow or too wide") {
    const SavedModel cnn = save_model_with(tmp.file("cnn.h5"), layers_cnn(), data);
    expect_failure({cnn.path, "-o", out, "--layer-precision", "conv1.acc=ap_fixed<64,20>", "--layer-precision",
                    "conv1.weight=ap_fixed<32,4>"},
                   {"conv1", "acc + w * x", "at most 64"});
    expect_failure({cnn.path, "-o", out, "--layer-precision", "conv1.spec=ap_fixed<16,4>"},
                   {"conv1", "expected a field of conv2d layer", "weight, acc, bias"});
    expect_failure({cnn.path, "-o", out, "--knob", "conv1.block_rows=2"},
                   {"--knob conv1.block_rows", "conv2d layer, whose knobs are outputs, inputs"});
    expect_failure({cnn.path, "-o", out, "--knob", "conv1.outputs=6"},
                   {"conv1", "expected output channels in parallel in 1..5, found 6"});
  }
  SUBCASE("an unwritable output directory") {
    write_text(work + "/file", "in the way\n");
    expect_failure({good.path, "-o", work + "/file/project"}, {work + "/file/project", "cannot"});
    expect_failure({good.path, "-o", work + "/file"}, {"exists and is not a directory"});
  }
  SUBCASE("an existing non-empty directory without --force") {
    fs::create_directories(out);
    write_text(out + "/keep.txt", "mine\n");
    expect_failure({good.path, "-o", out}, {out, "not empty", "--force"});
    CHECK(read_text(out + "/keep.txt") == "mine\n");
  }
  SUBCASE("a model without calibration and no --calibrate") {
    const SavedModel bare = save_model_with(tmp.file("bare.h5"), layers_mixed(), data, false);
    expect_failure({bare.path, "-o", out}, {"bare.h5", "no calibration", "--calibrate"});
  }
  SUBCASE("a knob the layer's kind does not have, or a malformed one") {
    expect_failure({good.path, "-o", out, "--knob", "fc1.reuse=3"},
                   {"--knob fc1.reuse: fc1 is a bc_dense layer, whose knobs are block_rows, bins, block_cols, "
                    "fft_units, fft_lanes, ifft_units, ifft_lanes, uram; found \"reuse\""});
    expect_failure({good.path, "-o", out, "--knob", "fc1.fft_lanes=2"},
                   {"--knob fc1.fft_lanes: expected 1 on the serial engine (fft_units = 1), found 2",
                    "fc1.fft_units"});
    expect_failure({good.path, "-o", out, "--knob", "fc1=3"}, {"--knob: expected LAYER.NAME=N, found \"fc1=3\""});
    expect_failure({good.path, "-o", out, "--knob", "fc1.bins=many"},
                   {"--knob fc1.bins: expected an integer of 0 or more, found \"many\""});
    expect_failure({good.path, "-o", out, "--knob", "fc1.bins=0"}, {"--parallelism fc1: expected", "found 0"});
    expect_failure({good.path, "-o", out, "--knob", "fc1.uram=2"},
                   {"--knob fc1.uram: expected 0 (weight spectra in block RAM) or 1 (in UltraRAM), found 2"});
    expect_failure({good.path, "-o", out, "--knob", "fc1.uram=1", "--interface", "axis"},
                   {"--knob fc1.uram=1: the weights in UltraRAM are loaded through the m_axi kernel's params port; "
                    "expected --interface m_axi, found --interface axis"});
  }
  SUBCASE("an impossible AXI word width") {
    expect_failure({good.path, "-o", out, "--axi-bits", "100"},
                   {"--axi-bits: expected a power of two from 8 to 1024 bits, found 100"});
    expect_failure({good.path, "-o", out, "--axi-bits", "2048"}, {"--axi-bits", "found 2048"});
    expect_failure({good.path, "-o", out, "--axi-bits", "8"},
                   {"--axi-bits: expected at least 16 bits, the width of one input word, found 8"});
  }
  SUBCASE("an unknown part") {
    expect_failure({good.path, "-o", out, "--part", "xc7z999"}, {"--part", "xc7z999", "xczu7ev-ffvc1156-2-e"});
  }
  SUBCASE("a missing test set for tb_data") {
    expect_failure({good.path, "-o", out, "--data", tmp.file("nowhere")}, {"nowhere"});
  }
}

TEST_CASE("bcnn-compile: Ctrl-C leaves nothing behind (no project, no staging, no created parents), status 130") {
  TempDir tmp("compile-interrupt");
  const std::string data = tmp.file("data");
  // 40,000 test images: after the estimate is printed, loading them, emulating them in fixed point
  // and writing tb_data take long enough for the signal to arrive in the middle.
  write_mnist_fixture(data, 60, 40000);
  const SavedModel good = save_model_with(tmp.file("good.h5"), layers_mixed(), data);
  const std::string work = tmp.file("work");
  fs::create_directories(work);
  const auto before = list_tree(work);
  const std::string out = work + "/new/project";

  BackgroundTool tool(compile_exe(), {good.path, "-o", out}, work);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (tool.running() && !contains(tool.stdout_so_far(), "images/s.") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(tool.running());
  tool.send_signal(SIGINT);
  const ToolResult r = tool.wait(60);
  INFO("stderr:\n", r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.signal == 0);
  CHECK(r.status == 130);
  CHECK(contains(r.err, "bcnn-compile: interrupted: no project written (" + out + " left as it was)"));
  CHECK(lines_with(r.err, "error:").empty());
  CHECK(list_tree(work) == before);  // not the project, its staging directory, nor work/new
}

TEST_CASE("bcnn-compile: a write that fails (a file-size limit) keeps the previous project and leaves no staging") {
  TempDir tmp("compile-fsize");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 60, 10);
  const SavedModel good = save_model_with(tmp.file("good.h5"), layers_mixed(), data);
  const std::string work = tmp.file("work");
  const std::string out = work + "/project";
  fs::create_directories(work);
  {
    const ToolResult r = run_compile({good.path, "-o", out}, work);
    INFO(r.command, "\nstderr:\n", r.err);
    REQUIRE(r.status == 0);
  }
  const auto before = list_tree(work);
  const std::string defines_before = read_text(out + "/firmware/defines.h");

  // The child inherits the limit and the ignored SIGXFSZ: a write past 2 KiB fails with EFBIG (the
  // bcnn_hls headers copied into the project are larger), as a full disk fails with ENOSPC.
  const ToolResult r = [&] {
    FileSizeLimit limit(2 * 1024);
    return run_compile({good.path, "-o", out, "--force", "--clock-ns", "4"}, work);
  }();

  INFO(r.command, "\nstderr:\n", r.err);
  CHECK(r.signal == 0);
  CHECK(r.status == 1);
  CHECK(lines_with(r.err, "bcnn-compile: error: ").size() == 1);
  CHECK(contains(r.err, "File too large"));
  CHECK(list_tree(work) == before);  // the previous project whole, no staging directory
  CHECK(read_text(out + "/firmware/defines.h") == defines_before);
}

TEST_CASE("bcnn-compile: --calibrate for models without calibration, --force replaces a project whole") {
  TempDir tmp("compile-force");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 60, 10);
  const SavedModel bare = save_model_with(tmp.file("bare.h5"), layers_mixed(), data, false);
  const std::string out = tmp.file("project");

  ToolResult first = run_compile({bare.path, "-o", out, "--calibrate", data, "--tb-images", "4"}, tmp.str());
  INFO(first.err, first.out);
  REQUIRE(first.status == 0);
  const json report = json::parse(read_text(out + "/report.json"));
  CHECK(report["calibration"]["images"] == 60);
  CHECK(contains(report["calibration"]["source"].get<std::string>(), "--calibrate"));
  write_text(out + "/stale.txt", "from before\n");

  ToolResult refused = run_compile({bare.path, "-o", out, "--calibrate", data}, tmp.str());
  CHECK(refused.status == 1);
  CHECK(fs::exists(out + "/stale.txt"));

  ToolResult second = run_compile({bare.path, "-o", out, "--calibrate", data, "--tb-images", "6", "--force"}, tmp.str());
  INFO(second.err, second.out);
  REQUIRE(second.status == 0);
  CHECK(!fs::exists(out + "/stale.txt"));
  CHECK(read_rows(out + "/tb_data/labels.txt").size() == 6);
  const auto entries = list_tree(tmp.str());
  for (const auto& e : entries) {
    CHECK_MESSAGE(e.find(".tmp-") == std::string::npos, e);
    CHECK_MESSAGE(e.find(".old-") == std::string::npos, e);
  }
}

// --- bcnn-eval --fixed and --hls ------------------------------------------------------------------

TEST_CASE("bcnn-eval --hls: the project's C simulation over the whole test set equals --fixed bit for bit") {
  TempDir tmp("eval-hls");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 100, 40);
  const SavedModel model = save_model_with(tmp.file("model.h5"), layers_mixed(), data);
  const std::string project = tmp.file("project");
  // A hand-set format that the defaults would not choose: --hls must take the project's formats.
  const ToolResult compiled = run_compile({model.path, "-o", project, "--tb-images", "5", "--layer-precision",
                                           "fc1.acc=ap_fixed<40, 9, AP_TRN, AP_WRAP>", "--precision", "14"},
                                          tmp.str());
  INFO(compiled.out, compiled.err);
  REQUIRE(compiled.status == 0);

  const ToolResult hls = run_eval({model.path, "--data", data, "--hls", project, "--json", "--latency-samples", "5"},
                                  tmp.str());
  INFO(hls.command, "\n", hls.out, hls.err);
  REQUIRE(hls.status == 0);
  const json out = json::parse(hls.out);
  CHECK(out["hls"]["images"] == 40);
  CHECK(out["hls"]["mismatches"] == 0);
  CHECK(out["hls"]["bit_identical"] == true);
  CHECK(out["hls"]["accuracy"].get<double>() == out["fixed"]["accuracy"].get<double>());
  CHECK(out["fixed"]["images"] == 40);

  // --fixed with the options the project was compiled with quantizes the model the same way.
  const ToolResult fixed = run_eval({model.path, "--data", data, "--fixed", "--precision", "14", "--layer-precision",
                                     "fc1.acc=ap_fixed<40, 9, AP_TRN, AP_WRAP>", "--json", "--latency-samples", "5"},
                                    tmp.str());
  INFO(fixed.out, fixed.err);
  REQUIRE(fixed.status == 0);
  const json f = json::parse(fixed.out);
  CHECK(f["fixed"]["accuracy"].get<double>() == out["fixed"]["accuracy"].get<double>());
  CHECK(f["fixed"]["agreement"].get<double>() >= 0.0);
  CHECK(f["fixed"]["float_accuracy"].get<double>() == f["accuracy"].get<double>());

  // Bad input: not a project, a bad precision.
  const ToolResult not_project = run_eval({model.path, "--data", data, "--hls", data}, tmp.str());
  CHECK(not_project.status == 1);
  CHECK(contains(not_project.err, data + "/report.json"));
  const ToolResult bad_precision = run_eval({model.path, "--data", data, "--fixed", "--precision", "99"}, tmp.str());
  CHECK(bad_precision.status == 1);
  CHECK(contains(bad_precision.err, "--precision: impossible width 99"));
}

// --- the reuse architecture (hls/reuse.h, bcnn_hls/reuse.h) -------------------------------------

// Two bc_dense layers with different blocks (16 and 8: the engine's K changes at run time, and
// fc2's 24 outputs are cut from 3 blocks of 8), relu, dropout, a dense layer.
json layers_reuse_mlp() {
  return json::array({{{"type", "flatten"}, {"name", "flatten"}},
                      {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 32}, {"block", 16}},
                      {{"type", "relu"}, {"name", "relu1"}},
                      {{"type", "dropout"}, {"name", "drop1"}, {"rate", 0.25}},
                      {{"type", "bc_dense"}, {"name", "fc2"}, {"units", 20}, {"block", 8}},
                      {{"type", "relu"}, {"name", "relu2"}},
                      {{"type", "dense"}, {"name", "fc3"}, {"units", 10}}});
}

TEST_CASE("bcnn-compile --architecture reuse: one engine set on batches, C simulation bit-identical to the emulator") {
  TempDir tmp("compile-reuse");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 100, 40);
  const SavedModel model = save_model_with(tmp.file("model.h5"), layers_reuse_mlp(), data);
  const std::string project = tmp.file("project");
  // 23 images in batches of 5: the last batch is partial.
  const ToolResult compiled = run_compile({model.path, "-o", project, "--tb-images", "23", "--architecture", "reuse",
                                           "--reuse-batch", "5", "--part", "xc7z020clg400-1"},
                                          tmp.str());
  INFO(compiled.command, "\nstdout:\n", compiled.out, "\nstderr:\n", compiled.err);
  REQUIRE(compiled.status == 0);
  CHECK(contains(compiled.out, "architecture reuse, batch 5"));
  CHECK(contains(compiled.out, "Architecture reuse, batch 5"));
  CHECK(!contains(compiled.err, "warning"));  // fits the smallest part
  for (const char* file : {"firmware/bcnn_top.cpp", "firmware/bcnn_top.h", "firmware/defines.h",
                           "firmware/reuse_layers.h", "firmware/weights/params_flat.h", "firmware/bcnn_hls/reuse.h",
                           "tb/bcnn_tb.cpp", "host/host.cpp", "CMakeLists.txt", "report.json", "README.md"})
    CHECK_MESSAGE(fs::exists(fs::path(project) / file), "missing " << file);
  CHECK(!fs::exists(fs::path(project) / "firmware/parameters.h"));  // no per-layer engines

  // The descriptor table: one step per layer with an engine (dropout and flatten have none).
  const std::string layers_h = read_text(project + "/firmware/reuse_layers.h");
  CHECK(contains(layers_h, "#define BCNN_REUSE_BATCH 5 "));
  CHECK(contains(layers_h, "#define BCNN_REUSE_MAX_K 16 "));
  CHECK(contains(layers_h, "#define BCNN_REUSE_STEPS 5 "));
  CHECK(!contains(layers_h, "// drop1"));
  // The parameter table holds every layer's parameters: fc1 p = 2, q = 49, 9 bins, re and im, 32
  // biases, 8 + 8 twiddles; fc2 p = 3, q = 4, 5 bins, 20 biases, 4 + 4 twiddles; fc3 10 x 20 + 10.
  const long long params = 2 * 2 * 49 * 9 + 32 + 16 + 2 * 3 * 4 * 5 + 20 + 8 + 10 * 20 + 10;
  CHECK(contains(layers_h, "#define BCNN_REUSE_PARAMS " + std::to_string(params) + " "));

  const json report = json::parse(read_text(project + "/report.json"));
  CHECK(report["estimate"]["architecture"] == "reuse");
  CHECK(report["estimate"]["batch"] == 5);
  CHECK(report["estimate"]["fits"] == true);
  CHECK(report["estimate"]["total"]["dsp"].get<int>() > 0);
  // images/s = batch x clock / cycles per batch.
  const double cycles = report["estimate"]["ii_cycles"].get<double>();
  CHECK(report["estimate"]["images_per_s"].get<double>() == doctest::Approx(5 * 2e8 / cycles));

  const ToolResult built = run_shell("cmake -S project -B project/build -DCMAKE_BUILD_TYPE=Release >/dev/null && "
                                     "cmake --build project/build -j2 2>&1",
                                     tmp.str());
  INFO("build:\n", built.out, built.err);
  REQUIRE(built.status == 0);
  CHECK_MESSAGE(!contains(built.out, "warning"), "the generated project builds with warnings");
  const ToolResult tb = run_tool(project + "/build/bcnn_tb", {project + "/tb_data"}, tmp.str());
  INFO("bcnn_tb:\n", tb.out, tb.err);
  CHECK(tb.status == 0);
  CHECK(contains(tb.out, "23 images, 23 bit-identical to bcnn's FixedEmulator, 0 mismatched"));
  CHECK(contains(tb.out, "heap allocations during bcnn_top: 0"));
  CHECK(contains(tb.out, "PASS"));
  CHECK(read_rows(project + "/tb_data/csim_results.txt") == read_rows(project + "/tb_data/expected.txt"));
  const ToolResult host = run_tool(project + "/build/bcnn_host_sw_emu", {"--tb-data", project + "/tb_data", "--batch", "7"},
                                   tmp.str());
  INFO("bcnn_host_sw_emu:\n", host.out, host.err);
  CHECK(host.status == 0);
  CHECK(contains(host.out, "23 of 23 images bit-identical"));

  // A batch too large for the part: the warning names the reuse architecture's knob.
  const ToolResult large = run_compile({model.path, "-o", tmp.file("large"), "--tb-images", "2", "--architecture",
                                        "reuse", "--reuse-batch", "1024", "--part", "xc7z020clg400-1"},
                                       tmp.str());
  INFO(large.command, "\nstderr:\n", large.err);
  CHECK(large.status == 0);
  CHECK(contains(large.err, "DOES NOT FIT on xc7z020clg400-1: BRAM18K"));
  CHECK(contains(large.err, "lower --reuse-batch"));
}

TEST_CASE("bcnn-compile --architecture reuse: refused kinds and options end in one clear message, status 1, no project") {
  TempDir tmp("compile-reuse-errors");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 60, 10);
  const std::string work = tmp.file("work");
  fs::create_directories(work);
  const std::string out = work + "/project";
  auto expect_failure = [&](const std::vector<std::string>& args, const std::vector<std::string>& parts) {
    const auto before = list_tree(work);
    const ToolResult r = run_compile(args, work);
    INFO(r.command, "\nstderr:\n", r.err, "\nstdout:\n", r.out);
    CHECK(r.signal == 0);
    CHECK(r.status == 1);
    CHECK(lines_with(r.err, "error:").size() == 1);
    for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
    CHECK(list_tree(work) == before);  // no project, no temporary directory
    CHECK(!fs::exists(out));
  };
  SUBCASE("a kind without an engine: conv2d") {
    const SavedModel cnn = save_model_with(tmp.file("cnn.h5"), layers_cnn(), data);
    expect_failure({cnn.path, "-o", out, "--architecture", "reuse"},
                   {"--architecture reuse: layer 'conv1' (conv2d)", "expected one of the kinds the reuse engines compute",
                    "found conv2d", "--architecture dataflow"});
  }
  SUBCASE("an exact intermediate above 62 bits") {
    const SavedModel mlp = save_model_with(tmp.file("mlp.h5"), layers_reuse_mlp(), data);
    expect_failure({mlp.path, "-o", out, "--architecture", "reuse", "--layer-precision", "fc3.acc=ap_fixed<62, 30>"},
                   {"--architecture reuse: layer 'fc3' (dense)", "acc + w * x", "at most 62"});
  }
  SUBCASE("options of the other architecture or interface") {
    const SavedModel mlp = save_model_with(tmp.file("mlp.h5"), layers_reuse_mlp(), data);
    expect_failure({mlp.path, "-o", out, "--architecture", "reuse", "--interface", "axis"},
                   {"--architecture reuse: expected --interface m_axi", "found --interface axis"});
    expect_failure({mlp.path, "-o", out, "--reuse-batch", "4"},
                   {"--reuse-batch: expected --architecture reuse, found --architecture dataflow"});
    expect_failure({mlp.path, "-o", out, "--architecture", "reuse", "--reuse-batch", "0"},
                   {"--reuse-batch: expected 1..1024 images, found 0"});
    expect_failure({mlp.path, "-o", out, "--architecture", "reuse", "--knob", "fc1.bins=2"},
                   {"--knob, --parallelism and their shorthands: expected --architecture dataflow",
                    "found --architecture reuse with knobs for layer 'fc1'"});
  }
}
