#pragma once
// A small RAII layer over the HDF5 C API: the few operations the model and checkpoint files need,
// each failing with a bcnn::Error that names the file, the object path, expected and found.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bcnn::h5 {

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
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

class File {
 public:
  // Creates (truncates) `path` for writing.
  static File create(const std::string& path);
  // Opens `path` read-only; throws when it is missing or not an HDF5 file.
  static File open(const std::string& path);

  const std::string& path() const { return path_; }
  hid_t id() const { return handle_.id(); }

  bool exists(const std::string& object_path) const;
  void create_group(const std::string& object_path);

  void write_floats(const std::string& object_path, const float* data, const std::vector<std::uint64_t>& dims);
  // Reads a float32 dataset whose shape must equal `dims`.
  std::vector<float> read_floats(const std::string& object_path, const std::vector<std::uint64_t>& dims) const;
  std::vector<std::uint64_t> dataset_shape(const std::string& object_path) const;

  void write_attr(const std::string& object_path, const std::string& name, const std::string& value);
  void write_attr(const std::string& object_path, const std::string& name, std::int64_t value);
  void write_attr(const std::string& object_path, const std::string& name, double value);
  bool has_attr(const std::string& object_path, const std::string& name) const;
  std::string read_attr_string(const std::string& object_path, const std::string& name) const;
  std::int64_t read_attr_int(const std::string& object_path, const std::string& name) const;
  double read_attr_double(const std::string& object_path, const std::string& name) const;

  // Names of the links in a group, in creation order.
  std::vector<std::string> list(const std::string& group_path) const;

  void close() { handle_.reset(); }

 private:
  File(std::string path, Handle handle) : path_(std::move(path)), handle_(std::move(handle)) {}
  [[noreturn]] void fail(const std::string& object_path, const std::string& message) const;
  Handle open_attr(const std::string& object_path, const std::string& name) const;

  std::string path_;
  Handle handle_;
};

// Writes a file atomically: `write` fills a temporary file beside `path`, which is renamed onto
// `path` only when `write` returns; on any error the temporary file is removed.
template <class Write>
void write_atomically(const std::string& path, Write&& write);

std::string temp_path_for(const std::string& path);
void commit_temp(const std::string& temp, const std::string& path);
void remove_quietly(const std::string& path);

template <class Write>
void write_atomically(const std::string& path, Write&& write) {
  const std::string temp = temp_path_for(path);
  try {
    {
      File file = File::create(temp);
      write(file);
    }
    commit_temp(temp, path);
  } catch (...) {
    remove_quietly(temp);
    throw;
  }
}

}  // namespace bcnn::h5
