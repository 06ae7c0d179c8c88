// bcnn-upgrade: rewrites a model or checkpoint file of bcnn's first layout (HDF5's earliest format,
// without checksums) in the current layout, which the other tools read (io/model_upgrade.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/tool_main.h"
#include "core/version.h"
#include "io/model_upgrade.h"

int main(int argc, char** argv) {
  CLI::App app{"Rewrite a bcnn model or checkpoint file of the first layout (HDF5's earliest format, no checksums) "
               "in the current layout, which bcnn-train, bcnn-eval and bcnn-compile read",
               "bcnn-upgrade"};
  app.set_version_flag("--version", bcnn::tool_version_line(app.get_name()));
  std::string input, output;
  double timeout_s = 600;
  bool force = false;
  app.add_option("model", input, "Model or checkpoint file to convert (left unchanged)")->required();
  app.add_option("-o,--output", output, "File to write in the current layout")->required();
  app.add_option("--timeout", timeout_s, "Seconds HDF5 may take to read the file before it is called damaged")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  app.add_flag("--force", force, "Replace an existing output file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  bcnn::install_interrupt_handler();

  return bcnn::run_tool_main("bcnn-upgrade", "", [&]() -> int {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(input, ec)) throw bcnn::Error(input + ": no such file");
    if (fs::equivalent(input, output, ec))
      throw bcnn::Error(output + ": is the input file itself: write to another file (the input stays as it is)");
    if (fs::exists(output, ec) && !force)
      throw bcnn::Error(output + ": exists; choose another output file or pass --force to replace it");
    try {
      const bcnn::UpgradeResult result = bcnn::upgrade_model_file(input, output, timeout_s);
      std::printf("bcnn-upgrade: wrote %s: the %s of %s (%zu parameters) in the current layout%s\n", output.c_str(),
                  result.is_checkpoint ? "checkpoint" : "model", input.c_str(), result.parameters,
                  result.was_first_layout ? "" : " (it was in the current layout already)");
    } catch (const bcnn::Interrupted&) {
      std::fprintf(stderr, "bcnn-upgrade: interrupted by %s: %s not written\n", bcnn::interrupt_signal_name(),
                   output.c_str());
      return bcnn::interrupt_exit_status();
    }
    return 0;
  });
}
