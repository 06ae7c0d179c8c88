// Every network description in configs/ must keep loading as the code changes: it parses, its
// network builds, its training settings resolve, and the block-circulant ones compress. The README
// lists exactly these configs.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli.h"
#include "train/config.h"

namespace fs = std::filesystem;

TEST_CASE("configs/: every shipped config loads, builds and is listed in the README") {
  const fs::path root = BCNN_SOURCE_DIR;
  std::vector<fs::path> configs;
  for (const auto& entry : fs::directory_iterator(root / "configs"))
    if (entry.path().extension() == ".json") configs.push_back(entry.path());
  std::sort(configs.begin(), configs.end());
  REQUIRE(configs.size() >= 8);
  const std::string readme = bcnn::testing::read_text((root / "README.md").string());
  for (const auto& path : configs) {
    CAPTURE(path.string());
    bcnn::TrainConfig config = bcnn::load_train_config(path.string());
    REQUIRE(config.network);
    CHECK(config.train.epochs >= 1);
    CHECK(config.train.data_dir.rfind("datasets/", 0) == 0);  // the repository's dataset folders
    const bcnn::LayerCost cost = config.network->total_cost();
    const std::string name = path.filename().string();
    if (name.find("_bc") != std::string::npos) {
      CHECK(cost.params * 5 < cost.dense_params);  // at least 5x fewer parameters than dense
      CHECK(cost.macs < cost.dense_macs);
    } else {
      CHECK(cost.params == cost.dense_params);
    }
    CHECK_MESSAGE(readme.find("`configs/" + name + "`") != std::string::npos, "README does not list " << name);
  }
}
