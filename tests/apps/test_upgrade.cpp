// bcnn-upgrade end to end: a first-layout model becomes one that bcnn-eval reads; bad input, an
// existing output and damaged files that crash or hang HDF5 end with exit status 1, one message and
// no output file.
#include <doctest/doctest.h>

#include <filesystem>

#include "cli.h"
#include "io/hand_written_model.h"
#include "io/model_file.h"
#include "train/config.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;

ToolResult run_upgrade(const std::vector<std::string>& args, const std::string& work_dir) {
  return run_tool(BCNN_UPGRADE_EXE, args, work_dir);
}

void expect_upgrade_failure(const std::string& work_dir, const std::vector<std::string>& args,
                            const std::vector<std::string>& parts) {
  const auto before = list_tree(work_dir);
  ToolResult r = run_upgrade(args, work_dir);
  INFO(r.command, "\nstderr:\n", r.err, "\nstdout:\n", r.out);
  CHECK(r.signal == 0);
  CHECK(r.status == 1);
  for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.out.empty());
  CHECK(list_tree(work_dir) == before);
}

// Inputs that crashed (SIGSEGV in H5T__conv_vlen) or hung (an endless loop in H5HG_read) HDF5 1.10.8
// when the loader still read the first layout, found by the model_file fuzzer.
std::string fuzz_input(const std::string& name) {
  return std::string(BCNN_SOURCE_DIR) + "/tests/fuzz/regressions/model_file/" + name;
}

}  // namespace

TEST_CASE("bcnn-upgrade: a first-layout model is converted, and bcnn-eval then reads it") {
  TempDir tmp("upgrade-cli");
  const std::string data = tmp.file("mnist");
  write_mnist_fixture(data, 64, 40);
  bcnn::TrainConfig config = bcnn::make_train_config(tiny_config(data), "tiny.json");
  config.network->init_params(5);
  write_by_hand(tmp.file("old.h5"), *config.network, Layout::first);
  {
    ToolResult refused = run_eval({tmp.file("old.h5")}, tmp.path().string());
    CHECK(refused.status == 1);
    CHECK(contains(refused.err, "found superblock version 0"));
    CHECK(contains(refused.err, "bcnn-upgrade " + tmp.file("old.h5") + " -o NEW.h5"));
  }
  ToolResult r = run_upgrade({tmp.file("old.h5"), "-o", tmp.file("new.h5")}, tmp.path().string());
  INFO(r.command, "\nstderr:\n", r.err, "\nstdout:\n", r.out);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "bcnn-upgrade: wrote " + tmp.file("new.h5") + ": the model of " + tmp.file("old.h5")));
  CHECK(contains(r.out, "in the current layout\n"));
  bcnn::LoadedModel m = bcnn::load_model(tmp.file("new.h5"));
  CHECK(m.network->params().size() == config.network->params().size());
  CHECK(m.config == config.network->description());

  SUBCASE("an existing output is kept unless --force") {
    const std::string before = read_text(tmp.file("new.h5"));
    expect_upgrade_failure(tmp.path().string(), {tmp.file("old.h5"), "-o", tmp.file("new.h5")},
                           {"new.h5: exists; choose another output file or pass --force"});
    CHECK(read_text(tmp.file("new.h5")) == before);
    ToolResult forced = run_upgrade({tmp.file("old.h5"), "-o", tmp.file("new.h5"), "--force"}, tmp.path().string());
    CHECK(forced.status == 0);
  }
  SUBCASE("the input itself is never the output") {
    expect_upgrade_failure(tmp.path().string(), {tmp.file("old.h5"), "-o", tmp.file("old.h5"), "--force"},
                           {"old.h5: is the input file itself"});
  }
}

TEST_CASE("bcnn-upgrade: missing, foreign and damaged files end in one message and no output") {
  TempDir tmp("upgrade-errors");
  const std::string dir = tmp.path().string();
  SUBCASE("no such file") {
    expect_upgrade_failure(dir, {tmp.file("none.h5"), "-o", tmp.file("out.h5")}, {"none.h5: no such file"});
  }
  SUBCASE("not HDF5") {
    write_text(tmp.file("text.h5"), "not an HDF5 file at all\n");
    expect_upgrade_failure(dir, {tmp.file("text.h5"), "-o", tmp.file("out.h5")},
                           {"text.h5: expected an HDF5 file, found something else"});
  }
  SUBCASE("a first-layout file on which HDF5 crashes") {
    fs::copy_file(fuzz_input("crash-7b396fcd7699bd99aeded6e5a2bc840f7900eb29"), tmp.file("crash.h5"));
    expect_upgrade_failure(dir, {tmp.file("crash.h5"), "-o", tmp.file("out.h5")},
                           {"crash.h5: reading it: the child process", "HDF5 cannot read this file, it is damaged "
                                                                        "(its layout has no checksums)"});
  }
  SUBCASE("a first-layout file on which HDF5 hangs") {
    fs::copy_file(fuzz_input("timeout-2cd7c9d0dc4d3ef836dfc6aa1d72e69f608e011b"), tmp.file("hang.h5"));
    expect_upgrade_failure(dir, {tmp.file("hang.h5"), "-o", tmp.file("out.h5"), "--timeout", "1"},
                           {"hang.h5: reading it: did not finish within 1 s (stopped): HDF5 cannot read this file, "
                            "it is damaged (its layout has no checksums)"});
  }
}
