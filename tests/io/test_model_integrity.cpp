// Integrity of model files: HDF5 verifies the checksums bcnn writes (metadata and Fletcher-32), a
// mismatch is reported as corruption; arrays and attributes of any type but the exact one are
// refused rather than converted; files of the first layout (no checksums) are still read.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <cstring>
#include <string>

#include "cli.h"
#include "io/hdf5.h"
#include "io/model_file.h"
#include "net/network.h"

namespace {

using bcnn::testing::contains;
using bcnn::testing::error_message;
using bcnn::testing::read_text;
using bcnn::testing::TempDir;
using bcnn::testing::write_text;
using nlohmann::json;

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

void write_vlen_string(hid_t loc, const char* name, const std::string& value) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* text = value.c_str();
  H5Awrite(attr, type, &text);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

// A model as bcnn wrote it before checksums: HDF5's default (earliest) format, variable-length
// strings, contiguous arrays; `bias_type` and `version_type` let a test store other types.
void write_first_layout(const std::string& path, const bcnn::Network& net, hid_t bias_type = H5T_IEEE_F32LE,
                        hid_t version_type = H5T_STD_I64LE) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(file >= 0);
  write_vlen_string(file, "format", "bcnn-model");
  {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(file, "version", version_type, space, H5P_DEFAULT, H5P_DEFAULT);
    const std::int64_t version = 1;
    H5Awrite(attr, H5T_NATIVE_INT64, &version);
    H5Aclose(attr);
    H5Sclose(space);
  }
  write_vlen_string(file, "kind", "model");
  write_vlen_string(file, "config", net.description().dump());
  write_vlen_string(file, "training", "{}");
  H5Gclose(H5Gcreate2(file, "/layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (const auto& layer : net.layers()) {
    auto specs = layer->param_specs();
    if (specs.empty()) continue;
    const std::string group = "/layers/" + layer->name();
    hid_t g = H5Gcreate2(file, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_vlen_string(g, "type", std::string(layer->type()));
    H5Gclose(g);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      std::vector<hsize_t> dims(specs[i].shape.begin(), specs[i].shape.end());
      hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
      const hid_t type = specs[i].name == "bias" ? bias_type : H5T_IEEE_F32LE;
      const std::string object = group + "/" + specs[i].name;
      hid_t set = H5Dcreate2(file, object.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, layer->param(static_cast<int>(i)).data());
      H5Dclose(set);
      H5Sclose(space);
    }
  }
  REQUIRE(H5Fclose(file) >= 0);
}

// Offset of `needle` in the file's bytes (which must hold it once).
std::size_t find_once(const std::string& haystack, const std::string& needle) {
  const std::size_t at = haystack.find(needle);
  REQUIRE(at != std::string::npos);
  REQUIRE(haystack.find(needle, at + 1) == std::string::npos);
  return at;
}

}  // namespace

TEST_CASE("model file: files of the first layout (no checksums, variable-length strings) are still read") {
  TempDir tmp("model-first-layout");
  auto net = integrity_network();
  write_first_layout(tmp.file("old.h5"), *net);
  bcnn::LoadedModel m = bcnn::load_model(tmp.file("old.h5"));
  REQUIRE(m.network->params().size() == net->params().size());
  CHECK(std::memcmp(m.network->params().data(), net->params().data(), net->params().size() * sizeof(float)) == 0);
  CHECK(m.config == net->description());
}

TEST_CASE("model file: arrays and attributes of another type are refused, not converted") {
  TempDir tmp("model-types");
  auto net = integrity_network();
  SUBCASE("a float64 bias") {
    write_first_layout(tmp.file("f64.h5"), *net, H5T_IEEE_F64LE);
    const std::string message = error_message([&] { bcnn::load_model(tmp.file("f64.h5")); });
    CHECK(contains(message, "f64.h5"));
    CHECK(contains(message, "/layers/fc1/bias"));
    CHECK(contains(message, "expected float32 values"));
    CHECK(contains(message, "found float64"));
  }
  SUBCASE("a big-endian float32 bias") {
    write_first_layout(tmp.file("be.h5"), *net, H5T_IEEE_F32BE);
    CHECK(contains(error_message([&] { bcnn::load_model(tmp.file("be.h5")); }), "found float32 big-endian"));
  }
  SUBCASE("an int32 version") {
    write_first_layout(tmp.file("i32.h5"), *net, H5T_IEEE_F32LE, H5T_STD_I32LE);
    const std::string message = error_message([&] { bcnn::load_model(tmp.file("i32.h5")); });
    CHECK(contains(message, "\"version\""));
    CHECK(contains(message, "expected an int64"));
    CHECK(contains(message, "found int32"));
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
