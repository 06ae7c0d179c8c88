// Every input a fuzzer once crashed on (tests/fuzz/regressions/<harness>/) goes again through the
// harness's own entry function: the reader must accept it or refuse it with a bcnn::Error. A crash
// or a sanitizer report ends this test's process, which fails it too.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "fuzz/targets.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("fuzz regressions: every kept input is accepted or refused with a bcnn::Error") {
  const fs::path root = fs::path(BCNN_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  int inputs = 0;
  for (const bcnn::fuzz::FuzzTarget& target : bcnn::fuzz::fuzz_targets()) {
    const fs::path dir = root / std::string(target.name);
    REQUIRE_MESSAGE(fs::is_directory(dir), dir.string());
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      CAPTURE(file.string());
      const std::vector<std::uint8_t> bytes = read_all(file);
      CHECK_NOTHROW(target.run(bytes.data(), bytes.size()));
      ++inputs;
    }
  }
  MESSAGE(inputs << " kept inputs");
}
