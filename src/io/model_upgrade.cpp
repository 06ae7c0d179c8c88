#include "io/model_upgrade.h"

#include <cstdint>

#include "core/error.h"
#include "core/isolated_call.h"
#include "io/durable_file.h"
#include "io/hdf5.h"
#include "io/model_file.h"

namespace bcnn {
namespace {

std::string child_path(const std::string& group, const std::string& name) {
  return (group == "/" ? "" : group) + "/" + name;
}

void copy_attributes(const h5::File& from, h5::File& to, const std::string& object) {
  for (const auto& name : from.attribute_names(object)) {
    switch (from.attribute_class(object, name)) {
      case H5T_STRING:
        to.write_attr(object, name, from.read_attr_string(object, name));
        break;
      case H5T_INTEGER:
        to.write_attr(object, name, from.read_attr_int(object, name));
        break;
      case H5T_FLOAT:
        to.write_attr(object, name, from.read_attr_double(object, name));
        break;
      default:
        throw Error(from.path() + ": " + object + ": attribute \"" + name +
                    "\": expected a string, an int64 or a float64, found another type");
    }
  }
}

void copy_dataset(const h5::File& from, h5::File& to, const std::string& object) {
  const auto shape = from.dataset_shape(object);
  if (from.dataset_type_is(object, H5T_STD_U8LE)) {
    std::uint64_t count = 1;
    for (auto d : shape) count *= d;
    std::string bytes(static_cast<std::size_t>(count), '\0');
    from.read_array(object, shape, H5T_STD_U8LE, "uint8 values", H5T_NATIVE_UCHAR, bytes.data());
    to.write_array(object, H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, bytes.data(), shape);
    return;
  }
  // Anything but float32 is refused here, by read_floats' exact type check.
  const auto values = from.read_floats(object, shape);
  to.write_floats(object, values.data(), shape);
  copy_attributes(from, to, object);
}

void copy_group(const h5::File& from, h5::File& to, const std::string& group) {
  if (group != "/") to.create_group(group);
  copy_attributes(from, to, group);
  for (const auto& name : from.list(group)) {
    const std::string object = child_path(group, name);
    switch (from.object_kind(object)) {
      case h5::File::ObjectKind::group:
        copy_group(from, to, object);
        break;
      case h5::File::ObjectKind::dataset:
        copy_dataset(from, to, object);
        break;
      default:
        throw Error(from.path() + ": " + object + ": expected a group or a dataset, found another kind of object");
    }
  }
}

}  // namespace

std::string model_in_current_layout(const std::string& path) {
  const h5::File from = h5::File::open(path, h5::File::Layouts::also_first);
  h5::File to = h5::File::create_in_memory(path);
  copy_group(from, to, "/");
  return to.image();
}

UpgradeResult upgrade_model_file(const std::string& from, const std::string& to, double timeout_s) {
  UpgradeResult result;
  const auto version = h5::superblock_version(from);
  result.was_first_layout = version && *version < 2;
  std::string image;
  try {
    image = run_isolated([&] { return model_in_current_layout(from); }, timeout_s, from + ": reading it");
  } catch (const ChildFailure& e) {
    throw Error(std::string(e.what()) + ": HDF5 cannot read this file, it is damaged" +
                (result.was_first_layout ? " (its layout has no checksums)" : ""));
  }
  write_file_atomically(to, image);
  try {
    LoadedModel loaded = load_model(to);
    result.is_checkpoint = loaded.is_checkpoint;
    result.parameters = loaded.network->params().size();
  } catch (...) {
    remove_quietly(to);
    throw;
  }
  return result;
}

}  // namespace bcnn
