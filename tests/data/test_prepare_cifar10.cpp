// datasets/prepare_cifar10.sh refuses a missing or foreign JPEG tarball before writing anything.
// (The real build, about 4 s, is not a test: datasets/README.md records its checksums.)
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli.h"

namespace {

using namespace bcnn::testing;

const std::string script = std::string(BCNN_SOURCE_DIR) + "/datasets/prepare_cifar10.sh";

ToolResult prepare(const std::vector<std::string>& args, const std::string& work_dir) {
  std::vector<std::string> all = {script};
  all.insert(all.end(), args.begin(), args.end());
  return run_tool("/bin/bash", all, work_dir, 30);
}

}  // namespace

TEST_CASE("prepare_cifar10.sh: a missing or foreign tarball is named and nothing is written") {
  TempDir tmp("prepare-cifar");
  const std::string out = tmp.file("cifar-10");

  ToolResult missing = prepare({"--jpeg-tarball", tmp.file("absent.tar.gz"), out}, tmp.str());
  INFO(missing.err);
  CHECK(missing.status == 1);
  CHECK(contains(missing.err, "prepare_cifar10: error: --jpeg-tarball " + tmp.file("absent.tar.gz") + ": no such file"));
  CHECK(contains(missing.err, "shared/datasets/cifar10-jpeg.tar.gz"));  // where it looks without the option

  write_text(tmp.file("foreign.tar.gz"), "not the JPEG copy\n");
  ToolResult foreign = prepare({"--jpeg-tarball", tmp.file("foreign.tar.gz"), out}, tmp.str());
  INFO(foreign.err);
  CHECK(foreign.status == 1);
  CHECK(contains(foreign.err, tmp.file("foreign.tar.gz") + ": sha256 "));
  CHECK(contains(foreign.err, "expected 58c58e3af3ec7ed2054f439f35ad3c83dc1ab019f4af6037f60612ea098c8fa1"));

  ToolResult usage = prepare({"--jpeg-tarbal", "x"}, tmp.str());
  CHECK(usage.status == 1);
  CHECK(contains(usage.err, "unknown option --jpeg-tarbal"));

  CHECK_FALSE(std::filesystem::exists(out));
  CHECK(list_tree(tmp.str()) == std::set<std::string>{"foreign.tar.gz"});
}
