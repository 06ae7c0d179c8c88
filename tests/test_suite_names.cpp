// The suite itself: CTest learns the test names from doctest's list, one per line, and a name with
// a semicolon becomes two CTest tests whose filters match nothing, so the test would pass without
// running (found: nine tests had not run under CTest).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

TEST_CASE("test suite: no test name holds a semicolon, which CTest would split into tests that run nothing") {
  const std::regex test_case(R"(TEST_CASE\("([^"]*)\"\))");
  std::vector<std::string> bad;
  int names = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(BCNN_SOURCE_DIR) + "/tests")) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string source = text.str();
    for (auto it = std::sregex_iterator(source.begin(), source.end(), test_case); it != std::sregex_iterator(); ++it) {
      ++names;
      if ((*it)[1].str().find(';') != std::string::npos) bad.push_back(entry.path().string() + ": " + (*it)[1].str());
    }
  }
  CHECK(names > 200);
  std::string listed;
  for (const auto& name : bad) listed += name + "\n";
  INFO(listed);
  CHECK(bad.empty());
}
