#pragma once
// A small RAII layer over the HDF5 C API: the few operations the model and checkpoint files need,
// each failing with a bcnn::Error that names the file, the object path, expected and found.
//
// Integrity: files are written in the HDF5 1.10 format (superblock v3, object headers v2, the
// single-chunk index), whose metadata all carry checksums that HDF5 verifies when it reads them,
// and every array is one chunk with the Fletcher-32 filter, which HDF5 verifies on every read; a
// mismatch is reported as "the file is corrupt". Readers check every type exactly (float32 and
// float64 IEEE little-endian, int64 little-endian, strings) and every attribute to be one value.
#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/durable_file.h"

namespace bcnn::h5 {

using bcnn::remove_quietly;
using bcnn::temp_path_for;

class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return id_; }
  // Closes now and returns what the close function returned (negative on failure).
  herr_t close_checked() {
    herr_t result = id_ >= 0 && close_ ? close_(id_) : 0;
    id_ = H5I_INVALID_HID;
    return result;
  }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// The version of a file's superblock, found where HDF5 looks for it (offset 0, 512, 1024, 2048,
// ...: a file may start with a user block); nullopt when the file has no HDF5 signature.
std::optional<int> superblock_version(const std::string& path);

class File {
 public:
  // A new file built in memory (HDF5's core driver without a backing store): nothing reaches the
  // disk until image() hands its bytes to a checked writer, so HDF5 itself never meets a failed
  // write (after which it can neither close the file nor exit cleanly). `name` is for messages.
  static File create_in_memory(const std::string& name);
  // Creates (truncates) `path` on disk directly, in the same format: for tests and tools that craft
  // files. The library writes through write_atomically.
  static File create(const std::string& path);
  // Which file layouts open() accepts. bcnn's first layout (HDF5's earliest format: superblock 0,
  // no metadata checksums, variable-length strings in the global heap) is read only to convert it
  // (io/model_upgrade.h): on a damaged file of that layout HDF5 1.10.8 can loop forever or crash.
  enum class Layouts { checksummed_only, also_first };
  // Opens `path` read-only; throws when it is missing or not an HDF5 file, and, unless `layouts`
  // says otherwise, when its superblock is older than version 2 (a file of the first layout, with
  // the command that converts it).
  static File open(const std::string& path, Layouts layouts = Layouts::checksummed_only);

  const std::string& path() const { return path_; }
  hid_t id() const { return handle_.id(); }

  bool exists(const std::string& object_path) const;
  void create_group(const std::string& object_path);

  void write_floats(const std::string& object_path, const float* data, const std::vector<std::uint64_t>& dims);
  // Any array: one chunk (up to 1 GiB) with Fletcher-32; `file_type` is what the file stores.
  void write_array(const std::string& object_path, hid_t file_type, hid_t memory_type, std::size_t element_bytes,
                   const void* data, const std::vector<std::uint64_t>& dims);
  // Reads a float32 dataset whose shape must equal `dims`.
  std::vector<float> read_floats(const std::string& object_path, const std::vector<std::uint64_t>& dims) const;
  // Reads an array of exactly `file_type` and shape `dims` into `out` as `memory_type`.
  void read_array(const std::string& object_path, const std::vector<std::uint64_t>& dims, hid_t file_type,
                  const std::string& type_description, hid_t memory_type, void* out) const;
  std::vector<std::uint64_t> dataset_shape(const std::string& object_path) const;

  void write_attr(const std::string& object_path, const std::string& name, const std::string& value);
  void write_attr(const std::string& object_path, const std::string& name, std::int64_t value);
  void write_attr(const std::string& object_path, const std::string& name, double value);
  bool has_attr(const std::string& object_path, const std::string& name) const;
  std::string read_attr_string(const std::string& object_path, const std::string& name) const;
  std::int64_t read_attr_int(const std::string& object_path, const std::string& name) const;
  double read_attr_double(const std::string& object_path, const std::string& name) const;

  // Text attributes longer than 60 KiB are stored as a uint8 dataset `object_path`/`name` (an
  // attribute that long would lose its checksum); has_attr and read_attr_string see both forms.
  bool has_text_dataset(const std::string& object_path, const std::string& name) const;

  // Names of the links in a group, in creation order.
  std::vector<std::string> list(const std::string& group_path) const;

  // For walking a whole file (io/model_upgrade.h): the kind of an object, the names of its
  // attributes, the class of an attribute's type, whether a dataset's type is exactly `file_type`.
  enum class ObjectKind { group, dataset, other };
  ObjectKind object_kind(const std::string& object_path) const;
  std::vector<std::string> attribute_names(const std::string& object_path) const;
  H5T_class_t attribute_class(const std::string& object_path, const std::string& name) const;
  bool dataset_type_is(const std::string& object_path, hid_t file_type) const;

  // The complete file as bytes (in-memory files only), for write_file_atomically.
  std::string image();
  // Closes the file; throws when HDF5 cannot flush or close it.
  void close();

 private:
  File(std::string path, Handle handle, bool in_memory = false, bool first_layout = false)
      : path_(std::move(path)), handle_(std::move(handle)), in_memory_(in_memory), first_layout_(first_layout) {}
  [[noreturn]] void fail(const std::string& object_path, const std::string& message) const;
  // For a failed HDF5 call: the message with HDF5's reason, "the file is corrupt" on a checksum
  // mismatch. Must be called right after the failing call, while HDF5's error stack holds its story.
  [[noreturn]] void fail_hdf5(const std::string& object_path, const std::string& message) const;
  Handle open_attr(const std::string& object_path, const std::string& name) const;

  std::string path_;
  Handle handle_;
  bool in_memory_ = false;
  bool first_layout_ = false;  // opened with Layouts::also_first: variable-length strings are read
};

// Writes a file atomically: `write` fills a file in memory, whose bytes write_file_atomically puts
// in place of `path` (temporary file, fsync, rename, directory fsync). On any error nothing on disk
// changes and the error names `path` and the cause.
template <class Write>
void write_atomically(const std::string& path, Write&& write) {
  std::string image;
  {
    File file = File::create_in_memory(path);
    write(file);
    image = file.image();
  }
  write_file_atomically(path, image);
}

}  // namespace bcnn::h5
