#include "io/hand_written_model.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

namespace bcnn::testing {
namespace {

// A string attribute: variable-length (the first layout, in HDF5's global heap) or fixed-length.
void write_string(hid_t loc, const char* name, const std::string& value, bool variable) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, variable ? H5T_VARIABLE : std::max<std::size_t>(1, value.size()));
  H5Tset_cset(type, H5T_CSET_UTF8);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* text = value.c_str();
  if (variable) H5Awrite(attr, type, &text);
  else H5Awrite(attr, type, value.empty() ? "" : text);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

}  // namespace

void write_by_hand(const std::string& path, const Network& net, Layout layout, hid_t bias_type, hid_t version_type,
                   bool variable_strings) {
  const bool variable = layout == Layout::first || variable_strings;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (layout == Layout::current) H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  REQUIRE(file >= 0);
  write_string(file, "format", "bcnn-model", variable);
  {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(file, "version", version_type, space, H5P_DEFAULT, H5P_DEFAULT);
    const std::int64_t version = 1;
    H5Awrite(attr, H5T_NATIVE_INT64, &version);
    H5Aclose(attr);
    H5Sclose(space);
  }
  write_string(file, "kind", "model", variable);
  write_string(file, "config", net.description().dump(), variable);
  write_string(file, "training", "{}", variable);
  H5Gclose(H5Gcreate2(file, "/layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (const auto& layer : net.layers()) {
    auto specs = layer->param_specs();
    if (specs.empty()) continue;
    const std::string group = "/layers/" + layer->name();
    hid_t g = H5Gcreate2(file, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_string(g, "type", std::string(layer->type()), variable);
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

}  // namespace bcnn::testing
