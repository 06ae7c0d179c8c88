#pragma once
// Writes a self-contained Vitis HLS project for a QuantizedModel (docs/compile.md): firmware/
// (top function, per-layer configuration structs, exact weight tables, a copy of the bcnn_hls
// library), the test bench and its tb_data/ (inputs and the FixedEmulator's raw logits),
// build_prj.tcl, a CMake build of the C simulation, the host driver, report.json, report.md and a
// README. Atomic: everything is written into a temporary directory beside the target and renamed
// at the end; on any error nothing is left behind.
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "hls/estimate.h"
#include "hls/reuse.h"
#include "net/network.h"
#include "quant/quantize.h"

namespace bcnn {

struct ProjectSpec {
  std::string output_dir;
  bool force = false;               // replace an existing non-empty output_dir
  std::string model_path;           // for the README and the reports
  std::string command_line;         // how the project was generated
  const QuantizedModel* model = nullptr;
  const QuantReport* report = nullptr;
  const DesignEstimate* estimate = nullptr;
  // The images of tb_data/: the first tb_images of test_data (-1: all of them).
  const Dataset* test_data = nullptr;
  std::string test_data_description;
  std::string dataset;              // the test data's dataset ("mnist", ...), for the TrueNorth row; may be empty
  int tb_images = -1;
  // The float network, for the float accuracy on the same images in the reports (may be null).
  Network* network = nullptr;
  // The reuse architecture's plan (hls/reuse.h); null for the dataflow design.
  const ReusePlan* reuse = nullptr;
};

struct ProjectSummary {
  std::string directory;  // absolute path of the written project
  int files = 0;
  int tb_images = 0;
  double fixed_accuracy = 0;  // FixedEmulator on the tb images (fraction)
  double float_accuracy = -1; // the float network on the same images (-1: not computed)
};

// Throws bcnn::Error when output_dir cannot take a new project: an existing non-empty directory
// without force, or a path that exists and is not a directory (write_project checks it again).
void check_output_dir(const std::string& output_dir, bool force);

// Throws bcnn::Error when a layer holds its weights in UltraRAM (loaded at run time through the
// m_axi kernel's params port) and the interface is not m_axi (write_project checks it again).
void check_runtime_params(const QuantizedModel& model, HlsInterface interface);

// Throws bcnn::Error naming the path for an existing non-empty output_dir without force, an
// output path that is not a directory, or any file that cannot be written.
ProjectSummary write_project(const ProjectSpec& spec);

// The table of layers and their formats that bcnn-compile prints and the README shows; without
// the parallelism column for the reuse architecture, whose one engine set has no per-layer knobs.
std::string format_table(const QuantizedModel& model, bool markdown, bool show_parallelism = true);
// The estimate: one row per dataflow stage, totals, the part's capacity and the fit warnings.
std::string estimate_table(const DesignEstimate& estimate, bool markdown);

// The test bench's text files (tb/bcnn_tb.cpp reads them) for the first `images` images of
// `data`: raw input words in the model's input format, the expected raw logits (`expected_raw`,
// images x n_out, from FixedEmulator) and the labels, one image per line.
struct TbFiles {
  std::string inputs, expected, labels;
};
TbFiles make_tb_files(const QuantizedModel& model, const Dataset& data, int images,
                      const std::vector<std::int64_t>& expected_raw);

// A C++ identifier made from a layer name (letters, digits and underscores).
std::string c_identifier(const std::string& name);

}  // namespace bcnn
