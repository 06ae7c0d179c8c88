#pragma once
// bcnn-eval --hls: builds a generated project's C simulation with CMake and g++ and runs its test
// bench over a dataset, against the expected outputs of FixedEmulator.
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "quant/quantized_model.h"

namespace bcnn {

struct CsimResult {
  int images = 0;
  int mismatches = 0;         // images whose raw outputs differ from the expected ones
  int first_mismatch = -1;    // index of the first such image
  double accuracy = 0;        // of the C simulation's outputs (first maximum against the label)
  double build_seconds = 0, run_seconds = 0;
  std::vector<std::int64_t> logits_raw;  // images x n_out, as the C simulation wrote them
};

// Builds `project_dir`'s test bench in a temporary directory, writes the first `images` images
// of `data` with `expected_raw` (images x n_out) as its tb_data, runs it and reads its outputs
// back. Throws bcnn::Error (naming the log file, which is then kept) when the build or the run
// fails for any reason other than output mismatches.
CsimResult run_project_csim(const std::string& project_dir, const QuantizedModel& model, const Dataset& data,
                            int images, const std::vector<std::int64_t>& expected_raw, int threads);

}  // namespace bcnn
