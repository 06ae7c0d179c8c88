// bcnn-train on bad input: one clear message naming the file, the JSON pointer, what was expected
// and what was found; exit status 1 for bad input and 2 for bad command-line usage; and nothing
// written: no output directory, no stray files.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli.h"
#include "data/idx.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

// A scratch directory with the fixture dataset and a valid config, in which a failing run must
// leave no trace.
struct Scratch {
  TempDir tmp{"train-errors"};
  std::string data = tmp.file("data");
  std::string out = tmp.file("out");
  Scratch() { write_mnist_fixture(data, 120, 40); }
  json config() const {
    json c = tiny_config(data);
    c["train"]["validation"] = 20;
    c["train"]["epochs"] = 1;
    return c;
  }
};

// Runs bcnn-train on `config_text` (written to `file_name` in the scratch dir) with `extra` options
// and checks the exit status, that every `parts` is in stderr, that stdout is empty, and that the
// run created no file or directory.
ToolResult expect_failure(Scratch& s, const std::string& file_name, const std::string& config_text, int status,
                          const std::vector<std::string>& parts, std::vector<std::string> extra = {}) {
  const std::string path = s.tmp.file(file_name);
  write_text(path, config_text);
  const auto before = list_tree(s.tmp.str());
  std::vector<std::string> args = {path, "--out", s.out};
  args.insert(args.end(), extra.begin(), extra.end());
  ToolResult r = run_train(args, s.tmp.str());
  INFO(r.command, "\nstderr:\n", r.err);
  CHECK(r.signal == 0);
  CHECK(r.status == status);
  for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(s.out));
  CHECK(list_tree(s.tmp.str()) == before);
  // One message, not a stack of them.
  CHECK(lines_with(r.err, "error").size() <= 1);
  return r;
}

ToolResult expect_bad_config(Scratch& s, const std::string& file_name, const json& config,
                             const std::vector<std::string>& parts, std::vector<std::string> extra = {}) {
  std::vector<std::string> all = {"bcnn-train: error: ", file_name};
  all.insert(all.end(), parts.begin(), parts.end());
  return expect_failure(s, file_name, config.dump(2), 1, all, std::move(extra));
}

}  // namespace

TEST_CASE("bcnn-train: malformed JSON names the file, line and column") {
  Scratch s;
  std::string text = s.config().dump(2);
  const std::size_t at = text.find("\"layers\"");
  text.insert(at, "\"oops\" ");  // a key without its ':' and value
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  ToolResult r = expect_failure(s, "broken.json", text, 1, {"broken.json", "invalid JSON", "column"});
  CHECK(contains(r.err, "line " + std::to_string(line)));
}

TEST_CASE("bcnn-train: misspelt keys and types suggest the right one") {
  Scratch s;
  SUBCASE("top-level key") {
    json c = s.config();
    c["layrs"] = c["layers"];
    c.erase("layers");
    expect_bad_config(s, "typo.json", c, {"layrs", "did you mean \"layers\""});
  }
  SUBCASE("layer key of a required setting") {
    json c = s.config();
    c["layers"][1].erase("units");
    c["layers"][1]["unit"] = 32;
    expect_bad_config(s, "unit.json", c, {"/layers/1", "unit", "did you mean \"units\""});
  }
  SUBCASE("layer key of an optional setting") {
    json c = s.config();
    c["layers"][1]["inti"] = "he";
    expect_bad_config(s, "inti.json", c, {"/layers/1/inti", "unknown key \"inti\"", "did you mean \"init\""});
  }
  SUBCASE("layer type") {
    json c = s.config();
    c["layers"][1]["type"] = "bc_dens";
    expect_bad_config(s, "type.json", c, {"/layers/1/type", "\"bc_dens\"", "did you mean \"bc_dense\""});
  }
  SUBCASE("optimizer type") {
    json c = s.config();
    c["train"]["optimizer"]["type"] = "adamm";
    expect_bad_config(s, "opt.json", c, {"/train/optimizer/type", "\"adamm\"", "did you mean \"adam\""});
  }
}

TEST_CASE("bcnn-train: impossible values name the pointer, the expected and the found") {
  Scratch s;
  SUBCASE("format") {
    json c = s.config();
    c["format"] = "bcnn-netwrok";
    expect_bad_config(s, "format.json", c, {"/format", "\"bcnn-network\"", "bcnn-netwrok"});
  }
  SUBCASE("version") {
    json c = s.config();
    c["version"] = 2;
    expect_bad_config(s, "version.json", c, {"/version", "expected version 1", "found 2"});
  }
  SUBCASE("missing units") {
    json c = s.config();
    c["layers"][1].erase("units");
    expect_bad_config(s, "units.json", c, {"/layers/1/units", "expected an integer", "required", "found nothing"});
  }
  SUBCASE("units 0") {
    json c = s.config();
    c["layers"][1]["units"] = 0;
    expect_bad_config(s, "units0.json", c, {"/layers/1/units", "expected an integer in [1,", "found number 0"});
  }
  SUBCASE("block 0") {
    json c = s.config();
    c["layers"][1]["block"] = 0;
    expect_bad_config(s, "block0.json", c, {"/layers/1/block", "expected an integer in [1,", "found number 0"});
  }
  SUBCASE("dense layer on an image") {
    json c = s.config();
    c["layers"].erase(0);
    expect_bad_config(s, "noflatten.json", c, {"/layers/0", "fc1", "add a \"flatten\" layer", "(1, 28, 28)"});
  }
  SUBCASE("duplicate layer names") {
    json c = s.config();
    c["layers"][3]["name"] = "fc1";
    expect_bad_config(s, "dup.json", c, {"/layers/3/name", "\"fc1\" again"});
  }
  SUBCASE("negative epochs") {
    json c = s.config();
    c["train"]["epochs"] = -1;
    expect_bad_config(s, "epochs.json", c, {"/train/epochs", "expected an integer in [1, 100000]", "found number -1"});
  }
  SUBCASE("last layer not one output per class") {
    json c = s.config();
    c["layers"][3]["units"] = 7;
    expect_bad_config(s, "classes.json", c, {"layer \"fc2\"", "expected 10 outputs", "found 7"});
  }
  SUBCASE("validation leaving no training images") {
    json c = s.config();
    c["train"]["validation"] = 120;
    ToolResult r = expect_failure(s, "validation.json", c.dump(), 1, {"validation", "120", "no training images"});
    // Which setting to change: the JSON pointer (or the option), as for every other setting.
    CHECK(contains(r.err, "/train/validation"));
  }
  SUBCASE("a last batch of one image before a batchnorm of one value per channel") {
    // 120 - 19 = 101 training images in batches of 20: the last holds 1, which bn1 (after fc1)
    // cannot normalize. Refused before training, with the way out.
    json c = s.config();
    c["train"]["validation"] = 19;
    c["train"]["batch"] = 20;
    c["layers"].insert(c["layers"].begin() + 2, json{{"type", "batchnorm"}, {"name", "bn1"}});
    expect_bad_config(s, "lastbatch.json", c,
                      {"/train/batch", "101 training images (after 19 for validation) in batches of 20",
                       "last batch of 1 image", "layer \"bn1\" (batchnorm of (32,))", "\"drop_last\": true"});
    c["train"]["drop_last"] = "yes";
    expect_bad_config(s, "droplast.json", c, {"/train/drop_last", "expected true or false", "found string"});
  }
  SUBCASE("drop_last with fewer training images than one batch") {
    json c = s.config();
    c["train"]["drop_last"] = true;
    c["train"]["batch"] = 101;
    expect_bad_config(s, "bigbatch.json", c, {"/train/batch", "expected at most the 100 training images with drop_last",
                                              "found 101"});
  }
  SUBCASE("input shape other than the data's") {
    json c = s.config();
    c["input"] = {1, 27, 28};
    expect_bad_config(s, "input.json", c, {"/input", "(1, 28, 28)", "found (1, 27, 28)"});
  }
}

TEST_CASE("bcnn-train: missing or damaged data is named, with the fetch script") {
  Scratch s;
  SUBCASE("missing directory") {
    json c = s.config();
    c["train"]["data"] = s.tmp.file("nowhere");
    expect_failure(s, "nodata.json", c.dump(), 1,
                   {"nowhere", "does not exist", "train-images-idx3-ubyte", "datasets/fetch_mnist.sh"});
  }
  SUBCASE("truncated IDX file") {
    const std::string images = s.data + "/train-images-idx3-ubyte";
    fs::resize_file(images, fs::file_size(images) / 2);
    expect_failure(s, "short.json", s.config().dump(), 1, {"train-images-idx3-ubyte"});
  }
}

TEST_CASE("bcnn-train: bad --resume files are refused before anything is written") {
  Scratch s;
  // A finished run of the configured network, and a checkpoint of another network.
  const std::string base = s.tmp.file("base");
  const std::string config_path = write_json(s.tmp.file("net.json"), s.config());
  ToolResult r = run_train({config_path, "--out", base, "--quiet"}, s.tmp.str());
  INFO(r.err);
  REQUIRE(r.status == 0);
  json other = s.config();
  other["layers"][1]["units"] = 16;
  const std::string other_run = s.tmp.file("other");
  r = run_train({write_json(s.tmp.file("other.json"), other), "--out", other_run, "--quiet"}, s.tmp.str());
  REQUIRE(r.status == 0);
  const std::string text = s.config().dump();

  SUBCASE("no such file") {
    expect_failure(s, "net2.json", text, 1, {s.tmp.file("missing.h5"), "no such file"},
                   {"--resume", s.tmp.file("missing.h5")});
  }
  SUBCASE("a model, not a checkpoint") {
    expect_failure(s, "net2.json", text, 1, {base + "/best.h5", "expected a checkpoint"},
                   {"--resume", base + "/best.h5"});
  }
  SUBCASE("a checkpoint of another network") {
    expect_failure(s, "net2.json", text, 1, {other_run + "/checkpoint.h5", "another network"},
                   {"--resume", other_run + "/checkpoint.h5"});
  }
  SUBCASE("a checkpoint with another optimizer's state") {
    json sgd = s.config();
    sgd["train"]["optimizer"] = {{"type", "sgd"}};
    expect_failure(s, "sgd.json", sgd.dump(), 1, {base + "/checkpoint.h5", "\"sgd\"", "found \"adam\""},
                   {"--resume", base + "/checkpoint.h5"});
  }
  SUBCASE("not an HDF5 file") {
    expect_failure(s, "net2.json", text, 1, {"net.json", "expected an HDF5 file"}, {"--resume", config_path});
  }
}

TEST_CASE("bcnn-train: bad command-line usage exits with status 2 and writes nothing") {
  Scratch s;
  const std::string text = s.config().dump();
  SUBCASE("--epochs 0") { expect_failure(s, "net.json", text, 2, {"--epochs"}, {"--epochs", "0"}); }
  SUBCASE("--lr out of range") { expect_failure(s, "net.json", text, 2, {"--lr"}, {"--lr", "100"}); }
  SUBCASE("unknown option") { expect_failure(s, "net.json", text, 2, {"--epoch"}, {"--epoch", "3"}); }
  SUBCASE("no config") {
    const auto before = list_tree(s.tmp.str());
    ToolResult r = run_train({}, s.tmp.str());
    CHECK(r.status == 2);
    CHECK(contains(r.err, "config"));
    CHECK(list_tree(s.tmp.str()) == before);
  }
  SUBCASE("a config file that does not exist") {
    ToolResult r = run_train({s.tmp.file("absent.json"), "--out", s.out}, s.tmp.str());
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(contains(r.err, "absent.json"));
    CHECK_FALSE(fs::exists(s.out));
  }
}
