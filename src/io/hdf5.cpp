#include "io/hdf5.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace bcnn::h5 {
namespace {

// HDF5 prints its own error stack by default; bcnn reports errors itself.
void silence_hdf5() {
  static bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

std::string dims_string(const std::vector<std::uint64_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  if (dims.size() == 1) s += ",";
  return s + ")";
}

}  // namespace

File File::create(const std::string& path) {
  silence_hdf5();
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  if (id < 0) {
    std::string reason = std::strerror(errno);
    throw Error(path + ": cannot create the file (" + reason + ")");
  }
  return File(path, Handle(id, H5Fclose));
}

File File::open(const std::string& path) {
  silence_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": expected an HDF5 file, found a directory");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(path + ": expected an HDF5 file, found something else (no HDF5 signature)");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw Error(path + ": expected a readable HDF5 file, found a damaged or truncated one");
  return File(path, Handle(id, H5Fclose));
}

void File::fail(const std::string& object_path, const std::string& message) const {
  throw Error(path_ + ": " + object_path + ": " + message);
}

bool File::exists(const std::string& object_path) const {
  if (object_path == "/") return true;
  // Every prefix must exist before H5Lexists may be asked about the next component.
  std::size_t pos = 0;
  while ((pos = object_path.find('/', pos + 1)) != std::string::npos) {
    if (H5Lexists(id(), object_path.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return H5Lexists(id(), object_path.c_str(), H5P_DEFAULT) > 0;
}

void File::create_group(const std::string& object_path) {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(gcpl.id(), false);
  Handle g(H5Gcreate2(id(), object_path.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT), H5Gclose);
  if (g.id() < 0) fail(object_path, "cannot create the group");
}

void File::write_floats(const std::string& object_path, const float* data, const std::vector<std::uint64_t>& dims) {
  std::vector<hsize_t> h(dims.begin(), dims.end());
  Handle space(H5Screate_simple(static_cast<int>(h.size()), h.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl.id(), false);
  Handle set(H5Dcreate2(id(), object_path.c_str(), H5T_IEEE_F32LE, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
             H5Dclose);
  if (set.id() < 0) fail(object_path, "cannot create the dataset");
  if (H5Dwrite(set.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail(object_path, "cannot write the dataset");
}

std::vector<std::uint64_t> File::dataset_shape(const std::string& object_path) const {
  if (!exists(object_path)) fail(object_path, "expected a dataset, found nothing");
  Handle set(H5Dopen2(id(), object_path.c_str(), H5P_DEFAULT), H5Dclose);
  if (set.id() < 0) fail(object_path, "expected a dataset, found another kind of object");
  Handle space(H5Dget_space(set.id()), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> h(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.id(), h.data(), nullptr);
  return {h.begin(), h.end()};
}

std::vector<float> File::read_floats(const std::string& object_path, const std::vector<std::uint64_t>& dims) const {
  auto found = dataset_shape(object_path);
  if (found != dims) fail(object_path, "expected shape " + dims_string(dims) + ", found " + dims_string(found));
  Handle set(H5Dopen2(id(), object_path.c_str(), H5P_DEFAULT), H5Dclose);
  Handle type(H5Dget_type(set.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_FLOAT) fail(object_path, "expected float32 values, found another type");
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<float> out(n);
  if (n && H5Dread(set.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(object_path, "cannot read the dataset (the file may be truncated or damaged)");
  return out;
}

namespace {

Handle create_attr(hid_t loc, const std::string& object_path, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists_by_name(loc, object_path.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(loc, object_path.c_str(), name.c_str(), H5P_DEFAULT);
  return Handle(H5Acreate_by_name(loc, object_path.c_str(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT,
                                  H5P_DEFAULT),
                H5Aclose);
}

}  // namespace

void File::write_attr(const std::string& object_path, const std::string& name, const std::string& value) {
  // Variable-length UTF-8: h5py reads it as a Python str.
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = create_attr(id(), object_path, name, type.id(), space.id());
  const char* text = value.c_str();
  if (attr.id() < 0 || H5Awrite(attr.id(), type.id(), &text) < 0)
    fail(object_path, "cannot write attribute \"" + name + "\"");
}

void File::write_attr(const std::string& object_path, const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = create_attr(id(), object_path, name, H5T_STD_I64LE, space.id());
  if (attr.id() < 0 || H5Awrite(attr.id(), H5T_NATIVE_INT64, &value) < 0)
    fail(object_path, "cannot write attribute \"" + name + "\"");
}

void File::write_attr(const std::string& object_path, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = create_attr(id(), object_path, name, H5T_IEEE_F64LE, space.id());
  if (attr.id() < 0 || H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, &value) < 0)
    fail(object_path, "cannot write attribute \"" + name + "\"");
}

bool File::has_attr(const std::string& object_path, const std::string& name) const {
  return exists(object_path) && H5Aexists_by_name(id(), object_path.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

Handle File::open_attr(const std::string& object_path, const std::string& name) const {
  if (!has_attr(object_path, name)) fail(object_path, "expected attribute \"" + name + "\", found none");
  Handle attr(H5Aopen_by_name(id(), object_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (attr.id() < 0) fail(object_path, "cannot open attribute \"" + name + "\"");
  return attr;
}

std::string File::read_attr_string(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attr(object_path, name);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_STRING)
    fail(object_path, "attribute \"" + name + "\": expected a string, found another type");
  if (H5Tis_variable_str(type.id()) > 0) {
    char* value = nullptr;
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));  // HDF5 does not convert between ASCII and UTF-8
    if (H5Aread(attr.id(), mem.id(), &value) < 0) fail(object_path, "cannot read attribute \"" + name + "\"");
    std::string out = value ? value : "";
    H5free_memory(value);
    return out;
  }
  std::size_t size = H5Tget_size(type.id());
  std::string out(size, '\0');
  if (H5Aread(attr.id(), type.id(), out.data()) < 0) fail(object_path, "cannot read attribute \"" + name + "\"");
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

std::int64_t File::read_attr_int(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attr(object_path, name);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_INTEGER)
    fail(object_path, "attribute \"" + name + "\": expected an integer, found another type");
  std::int64_t v = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_INT64, &v) < 0) fail(object_path, "cannot read attribute \"" + name + "\"");
  return v;
}

double File::read_attr_double(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attr(object_path, name);
  double v = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v) < 0) fail(object_path, "cannot read attribute \"" + name + "\"");
  return v;
}

std::vector<std::string> File::list(const std::string& group_path) const {
  std::vector<std::string> names;
  if (!exists(group_path)) return names;
  Handle group(H5Gopen2(id(), group_path.c_str(), H5P_DEFAULT), H5Gclose);
  if (group.id() < 0) fail(group_path, "expected a group, found another kind of object");
  H5G_info_t info;
  H5Gget_info(group.id(), &info);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t size = H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<std::size_t>(size), '\0');
    H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), size + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

std::string temp_path_for(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid());
}

void commit_temp(const std::string& temp, const std::string& path) {
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    throw Error(path + ": cannot move the finished file into place (" + std::strerror(errno) + ")");
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace bcnn::h5
