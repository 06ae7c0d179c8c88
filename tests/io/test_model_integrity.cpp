// Integrity of model files: HDF5 verifies the checksums bcnn writes (metadata and Fletcher-32), a
// mismatch is reported as corruption; arrays and attributes of any type but the exact one are
// refused rather than converted; files of the first layout (no checksums) are refused with the
// command that converts them (io/model_upgrade.h), which is tested here too.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>

#include "cli.h"
#include "io/hdf5.h"
#include "io/model_file.h"
#include "io/model_upgrade.h"
#include "io/hand_written_model.h"
#include "net/network.h"

namespace {

using bcnn::testing::contains;
using bcnn::testing::error_message;
using bcnn::testing::list_tree;
using bcnn::testing::read_text;
using bcnn::testing::TempDir;
using bcnn::testing::write_text;
using nlohmann::json;
using bcnn::testing::Layout;
using bcnn::testing::write_by_hand;

std::unique_ptr<bcnn::Network> integrity_network() {
  json description = {{"format", "bcnn-network"},
                      {"version", 1},
                      {"input", {1, 4, 4}},
                      {"layers",
                       {{{"type", "flatten"}},
                        {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 12}, {"block", 4}},
                        {{"type", "relu"}},
                        {{"type", "dense"}, {"name", "out"}, {"units", 3}}}}};
  auto net = bcnn::Network::build(description, "integrity.json");
  net->init_params(9);
  return net;
}

bool same_params(const bcnn::Network& a, const bcnn::Network& b) {
  return a.params().size() == b.params().size() &&
         std::memcmp(a.params().data(), b.params().data(), a.params().size() * sizeof(float)) == 0;
}

// Offset of `needle` in the file's bytes (which must hold it once).
std::size_t find_once(const std::string& haystack, const std::string& needle) {
  const std::size_t at = haystack.find(needle);
  REQUIRE(at != std::string::npos);
  REQUIRE(haystack.find(needle, at + 1) == std::string::npos);
  return at;
}

}  // namespace

TEST_CASE("model file: files of the first layout are refused with the command that converts them") {
  TempDir tmp("model-first-layout");
  auto net = integrity_network();
  write_by_hand(tmp.file("old.h5"), *net, Layout::first);
  CHECK(bcnn::h5::superblock_version(tmp.file("old.h5")) == 0);
  const std::string message = error_message([&] { bcnn::load_model(tmp.file("old.h5")); });
  CHECK(contains(message, "old.h5: expected an HDF5 file with checksums"));
  CHECK(contains(message, "found superblock version 0"));
  CHECK(contains(message, "bcnn-upgrade " + tmp.file("old.h5") + " -o NEW.h5"));

  SUBCASE("and converted: the same parameters and configuration, in the checksummed layout") {
    const auto result = bcnn::upgrade_model_file(tmp.file("old.h5"), tmp.file("new.h5"), 60);
    CHECK(result.was_first_layout);
    CHECK_FALSE(result.is_checkpoint);
    CHECK(result.parameters == net->params().size());
    CHECK(bcnn::h5::superblock_version(tmp.file("new.h5")) == 3);
    bcnn::LoadedModel m = bcnn::load_model(tmp.file("new.h5"));
    CHECK(same_params(*m.network, *net));
    CHECK(m.config == net->description());
    CHECK(list_tree(tmp.path().string()) == std::set<std::string>{"old.h5", "new.h5"});
  }
  SUBCASE("a file of the current layout converts to the same content") {
    bcnn::save_model(tmp.file("current.h5"), {net.get(), net->description(), json::object()});
    const auto result = bcnn::upgrade_model_file(tmp.file("current.h5"), tmp.file("again.h5"), 60);
    CHECK_FALSE(result.was_first_layout);
    CHECK(same_params(*bcnn::load_model(tmp.file("again.h5")).network, *net));
  }
}

TEST_CASE("model file: a variable-length string in a checksummed file is refused (HDF5's global heap has no checksum)") {
  TempDir tmp("model-vlen");
  auto net = integrity_network();
  write_by_hand(tmp.file("vlen.h5"), *net, Layout::current, H5T_IEEE_F32LE, H5T_STD_I64LE, /*variable_strings=*/true);
  const std::string message = error_message([&] { bcnn::load_model(tmp.file("vlen.h5")); });
  CHECK(contains(message, "vlen.h5: /: attribute \"format\": expected a fixed-length string, found a variable-length one"));
}

TEST_CASE("model file: arrays and attributes of another type are refused, not converted") {
  TempDir tmp("model-types");
  auto net = integrity_network();
  SUBCASE("a float64 bias") {
    write_by_hand(tmp.file("f64.h5"), *net, Layout::current, H5T_IEEE_F64LE);
    const std::string message = error_message([&] { bcnn::load_model(tmp.file("f64.h5")); });
    CHECK(contains(message, "f64.h5"));
    CHECK(contains(message, "/layers/fc1/bias"));
    CHECK(contains(message, "expected float32 values"));
    CHECK(contains(message, "found float64"));
  }
  SUBCASE("a big-endian float32 bias") {
    write_by_hand(tmp.file("be.h5"), *net, Layout::current, H5T_IEEE_F32BE);
    CHECK(contains(error_message([&] { bcnn::load_model(tmp.file("be.h5")); }), "found float32 big-endian"));
  }
  SUBCASE("an int32 version") {
    write_by_hand(tmp.file("i32.h5"), *net, Layout::current, H5T_IEEE_F32LE, H5T_STD_I32LE);
    const std::string message = error_message([&] { bcnn::load_model(tmp.file("i32.h5")); });
    CHECK(contains(message, "\"version\""));
    CHECK(contains(message, "expected an int64"));
    CHECK(contains(message, "found int32"));
  }
  SUBCASE("by the conversion too: a float64 bias in a first-layout file") {
    write_by_hand(tmp.file("old-f64.h5"), *net, Layout::first, H5T_IEEE_F64LE);
    const std::string message =
        error_message([&] { bcnn::upgrade_model_file(tmp.file("old-f64.h5"), tmp.file("new.h5"), 60); });
    CHECK(contains(message, "old-f64.h5: /layers/fc1/bias: expected float32 values"));
    CHECK(contains(message, "found float64"));
    CHECK_FALSE(std::filesystem::exists(tmp.file("new.h5")));
  }
}

TEST_CASE("model file: checksums catch damaged arrays and metadata, reported as corruption") {
  TempDir tmp("model-checksums");
  auto net = integrity_network();
  const std::string path = tmp.file("model.h5");
  bcnn::save_model(path, {net.get(), net->description(), json::object()});
  const std::string bytes = read_text(path);
  const auto& out = net->layers()[3];
  const std::string weight(reinterpret_cast<const char*>(out->param(0).data()), out->param(0).size() * sizeof(float));

  SUBCASE("a weight") {
    std::string damaged = bytes;
    damaged[find_once(bytes, weight) + 10] ^= 0x40;
    write_text(tmp.file("weight.h5"), damaged);
    const std::string message = error_message([&] { bcnn::load_model(tmp.file("weight.h5")); });
    CHECK(contains(message, "weight.h5: the file is corrupt: checksum mismatch in /layers/out/weight"));
    CHECK(contains(message, "Fletcher32"));
  }
  SUBCASE("the stored configuration") {
    // "units":12 -> "units":13 would be a valid network of another shape without the checksum.
    std::string damaged = bytes;
    damaged[find_once(bytes, "\"units\":12") + 9] = '3';
    write_text(tmp.file("config.h5"), damaged);
    const std::string message = error_message([&] { bcnn::load_model(tmp.file("config.h5")); });
    CHECK(contains(message, "config.h5: the file is corrupt: checksum mismatch"));
  }
  SUBCASE("the superblock") {
    std::string damaged = bytes;
    damaged[20] ^= 0x01;  // end-of-file address
    write_text(tmp.file("super.h5"), damaged);
    CHECK(contains(error_message([&] { bcnn::load_model(tmp.file("super.h5")); }), "the file is corrupt"));
  }
}

TEST_CASE("model file: long text attributes (past an object header message's 64 KiB) and empty arrays round-trip") {
  TempDir tmp("model-long-attr");
  const std::string path = tmp.file("long.h5");
  const std::string long_text(200 * 1000, 'h');
  std::vector<float> none;
  bcnn::h5::write_atomically(path, [&](bcnn::h5::File& f) {
    f.write_attr("/", "training", long_text);
    f.write_attr("/", "empty", std::string());
    f.write_floats("/nothing", none.data(), {0});
    f.write_floats("/rows", none.data(), {0, 3});
  });
  bcnn::h5::File f = bcnn::h5::File::open(path);
  CHECK(f.read_attr_string("/", "training") == long_text);
  CHECK(f.read_attr_string("/", "empty").empty());
  CHECK(f.read_floats("/nothing", {0}).empty());
  CHECK(f.read_floats("/rows", {0, 3}).empty());

  // A model whose training history is that long is saved and read like any other.
  auto net = integrity_network();
  json training = {{"history", json::array()}};
  for (int epoch = 1; epoch <= 2000; ++epoch)
    training["history"].push_back({{"epoch", epoch}, {"train_loss", 0.125}, {"val_accuracy", 0.5}});
  REQUIRE(training.dump().size() > 64 * 1024);
  bcnn::save_model(tmp.file("history.h5"), {net.get(), net->description(), training});
  CHECK(bcnn::load_model(tmp.file("history.h5")).training == training);
}

TEST_CASE("model file: a damaged byte inside a long text attribute is caught") {
  TempDir tmp("model-long-attr-damaged");
  const std::string path = tmp.file("long.h5");
  const std::string long_text(200 * 1000, 'h');
  bcnn::h5::write_atomically(path, [&](bcnn::h5::File& f) { f.write_attr("/", "training", long_text); });
  std::string bytes = read_text(path);
  const std::size_t at = bytes.find(std::string(1000, 'h'));
  REQUIRE(at != std::string::npos);
  bytes[at + 100 * 1000] = 'x';
  write_text(tmp.file("damaged.h5"), bytes);
  const std::string message = error_message([&] {
    bcnn::h5::File f = bcnn::h5::File::open(tmp.file("damaged.h5"));
    f.read_attr_string("/", "training");
  });
  CHECK(contains(message, "the file is corrupt"));
}

TEST_CASE("model file: the stored configuration's train object passes the checks of a configuration file") {
  TempDir tmp("model-stored-train");
  auto net = integrity_network();
  json config = net->description();
  config["train"] = {{"dataset", "mnist"}, {"batch", "many"}};
  bcnn::save_model(tmp.file("train.h5"), {net.get(), config, json::object()});
  const std::string message = error_message([&] { bcnn::load_model(tmp.file("train.h5")); });
  CHECK(contains(message, "train.h5 (stored configuration)"));
  CHECK(contains(message, "/train/batch"));
}
