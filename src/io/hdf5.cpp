#include "io/hdf5.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

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

// The file format bcnn writes: HDF5 1.10's (superblock v3, object headers v2, the single-chunk
// index), in which every piece of metadata carries a checksum. The upper bound is pinned too, so a
// newer HDF5 writes the same bytes, readable by HDF5 1.10 and h5py.
Handle writing_access_list() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V110, H5F_LIBVER_V110);
  // A strong close closes every object still open in the file: no id outlives a failed write.
  H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG);
  return fapl;
}

// What HDF5's error stack says about the call that just failed.
struct Hdf5Failure {
  bool checksum = false;  // some level reported a checksum mismatch (metadata or Fletcher-32)
  std::string reason;     // the innermost description (or the one that names the checksum)
};

Hdf5Failure current_failure() {
  Hdf5Failure failure;
  auto visit = [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
    auto* f = static_cast<Hdf5Failure*>(data);
    std::string desc = e->desc ? e->desc : "";
    std::string lower = desc;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("checksum") != std::string::npos) {
      if (!f->checksum) f->reason = desc;
      f->checksum = true;
    } else if (!f->checksum && !desc.empty()) {
      f->reason = desc;  // walking downwards: the last one seen is the innermost
    }
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, visit, &failure);
  return failure;
}

// A readable name of an HDF5 datatype, for "expected ..., found ..." messages.
std::string type_name(hid_t type) {
  const std::size_t bits = 8 * H5Tget_size(type);
  const bool big_endian = H5Tget_order(type) == H5T_ORDER_BE;
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      return "float" + std::to_string(bits) + (big_endian ? " big-endian" : "");
    case H5T_INTEGER:
      return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits) +
             (big_endian ? " big-endian" : "");
    case H5T_STRING:
      return "a string";
    case H5T_COMPOUND:
      return "a compound type";
    case H5T_ARRAY:
      return "an array type";
    default:
      return "another type";
  }
}

// Bob Jenkins' lookup3 hashlittle(), public domain; HDF5 checksums its metadata with it
// (H5_checksum_metadata, initial value 0).
std::uint32_t lookup3(const unsigned char* k, std::size_t length) {
  auto rot = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  std::uint32_t a, b, c;
  a = b = c = 0xdeadbeef + static_cast<std::uint32_t>(length);
  auto word = [&](int i) {
    return static_cast<std::uint32_t>(k[i]) | static_cast<std::uint32_t>(k[i + 1]) << 8 |
           static_cast<std::uint32_t>(k[i + 2]) << 16 | static_cast<std::uint32_t>(k[i + 3]) << 24;
  };
  while (length > 12) {
    a += word(0);
    b += word(4);
    c += word(8);
    a -= c; a ^= rot(c, 4);  c += b;
    b -= a; b ^= rot(a, 6);  a += c;
    c -= b; c ^= rot(b, 8);  b += a;
    a -= c; a ^= rot(c, 16); c += b;
    b -= a; b ^= rot(a, 19); a += c;
    c -= b; c ^= rot(b, 4);  b += a;
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;
  std::uint32_t tail[3] = {0, 0, 0};
  for (std::size_t i = 0; i < length; ++i) tail[i / 4] |= static_cast<std::uint32_t>(k[i]) << (8 * (i % 4));
  a += tail[0];
  b += tail[1];
  c += tail[2];
  c ^= b; c -= rot(b, 14);
  a ^= c; a -= rot(c, 11);
  b ^= a; b -= rot(a, 25);
  c ^= b; c -= rot(b, 16);
  a ^= c; a -= rot(c, 4);
  b ^= a; b -= rot(a, 14);
  c ^= b; c -= rot(b, 24);
  return c;
}

// HDF5 1.10's H5Fget_file_image clears the superblock's status flags in the image (the file is
// open for writing while the image is taken) but leaves the checksum computed with them set, so
// the image would not open. Superblock v2/v3: signature, version, offset and length sizes, flags,
// four addresses, then the checksum of everything before it.
void restamp_superblock_checksum(std::string& image, const std::string& name) {
  auto* bytes = reinterpret_cast<unsigned char*>(image.data());
  static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (image.size() < 12 || std::memcmp(bytes, signature, 8) != 0 || bytes[8] < 2)
    throw Error(name + ": HDF5 produced a file image without a version 2+ superblock");
  // A closed file has no status flags set; HDF5 versions that leave them set in the image would
  // otherwise write a file that says "still open for writing" and refuses to open.
  bytes[11] = 0;
  const std::size_t checked = 12 + 4 * static_cast<std::size_t>(bytes[9]);
  if (image.size() < checked + 4) throw Error(name + ": HDF5 produced a truncated file image");
  const std::uint32_t sum = lookup3(bytes, checked);
  for (int i = 0; i < 4; ++i) bytes[checked + i] = static_cast<unsigned char>(sum >> (8 * i));
}

// Links kept in the group's object header (compact storage), which the v2 header checksums, never
// in dense storage: a fractal heap's direct blocks carry no checksum by default, and a damaged
// byte there made HDF5 1.10.8 free a wild pointer (seen under AddressSanitizer in the corruption
// test). 65,535 links is HDF5's most, far beyond any network's layers.
Handle compact_link_creation_list(hid_t property_class) {
  Handle list(H5Pcreate(property_class), H5Pclose);
  if (list.id() < 0 || H5Pset_link_phase_change(list.id(), 65535, 65535) < 0)
    throw Error("HDF5: cannot keep a group's links in its object header (" + current_failure().reason + ")");
  return list;
}

}  // namespace

File File::create_in_memory(const std::string& name) {
  silence_hdf5();
  Handle fapl = writing_access_list();
  H5Pset_fapl_core(fapl.id(), 1 << 20, /*backing_store=*/false);
  Handle fcpl = compact_link_creation_list(H5P_FILE_CREATE);
  hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id());
  if (id < 0) throw Error(name + ": cannot create the file in memory (HDF5: " + current_failure().reason + ")");
  return File(name, Handle(id, H5Fclose), /*in_memory=*/true);
}

File File::create(const std::string& path) {
  silence_hdf5();
  Handle fapl = writing_access_list();
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  if (id < 0) {
    std::string reason = std::strerror(errno);
    throw Error(path + ": cannot create the file (" + reason + ")");
  }
  return File(path, Handle(id, H5Fclose));
}

std::string File::image() {
  if (!in_memory_) throw Error(path_ + ": internal error: image() of a file that is not in memory");
  if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) fail_hdf5("/", "cannot complete the file in memory");
  const ssize_t size = H5Fget_file_image(id(), nullptr, 0);
  if (size <= 0) fail_hdf5("/", "cannot take the image of the file");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(id(), bytes.data(), bytes.size()) != size) fail_hdf5("/", "cannot take the image of the file");
  restamp_superblock_checksum(bytes, path_);
  close();
  return bytes;
}

void File::close() {
  if (handle_.close_checked() < 0) fail_hdf5("/", "cannot close the file");
}

// The version of the superblock, found where HDF5 looks for it: at offset 0, 512, 1024, 2048, ...
// (a file may start with a user block); nullopt when there is no signature.
std::optional<int> superblock_version(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  static const char signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  for (std::uint64_t offset = 0; offset + 9 <= size; offset = offset ? 2 * offset : 512) {
    char head[9];
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(head, sizeof head)) return std::nullopt;
    if (std::memcmp(head, signature, 8) == 0) return static_cast<unsigned char>(head[8]);
  }
  return std::nullopt;
}

File File::open(const std::string& path, Layouts layouts) {
  silence_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": expected an HDF5 file, found a directory");
  // The superblock is checked before HDF5 sees the file: the earliest format has no checksums, and
  // HDF5 1.10.8 hangs or crashes on some damaged files of it (docs/robustness.md, "Findings").
  const std::optional<int> version = superblock_version(path);
  if (!version) throw Error(path + ": expected an HDF5 file, found something else (no HDF5 signature)");
  const bool first_layout = *version < 2;
  if (first_layout && layouts == Layouts::checksummed_only)
    throw Error(path + ": expected an HDF5 file with checksums (superblock version 2 or later, as bcnn writes), "
                "found superblock version " + std::to_string(*version) +
                " (HDF5's earliest format, bcnn's first model layout), which bcnn does not read directly: on a "
                "damaged file of that format the HDF5 library can hang or crash. Convert a bcnn model or checkpoint "
                "of that layout once with: bcnn-upgrade " + path + " -o NEW.h5");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(path + ": expected an HDF5 file, found something else (no HDF5 signature)");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    Hdf5Failure failure = current_failure();
    if (failure.checksum)
      throw Error(path + ": the file is corrupt: checksum mismatch in its metadata (HDF5: " + failure.reason + ")");
    throw Error(path + ": expected a readable HDF5 file, found a damaged or truncated one (HDF5: " + failure.reason +
                ")");
  }
  return File(path, Handle(id, H5Fclose), /*in_memory=*/false, first_layout);
}

void File::fail(const std::string& object_path, const std::string& message) const {
  throw Error(path_ + ": " + object_path + ": " + message);
}

void File::fail_hdf5(const std::string& object_path, const std::string& message) const {
  Hdf5Failure failure = current_failure();
  if (failure.checksum)
    throw Error(path_ + ": the file is corrupt: checksum mismatch in " + object_path + " (HDF5: " + failure.reason +
                ")");
  throw Error(path_ + ": " + object_path + ": " + message +
              (failure.reason.empty() ? std::string() : " (HDF5: " + failure.reason + ")"));
}

bool File::exists(const std::string& object_path) const {
  if (object_path == "/") return true;
  // Every prefix must exist before H5Lexists may be asked about the next component.
  std::size_t pos = 0;
  while (true) {
    pos = object_path.find('/', pos + 1);
    const std::string prefix = object_path.substr(0, pos);
    const htri_t found = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
    if (found < 0) fail_hdf5(prefix, "cannot look it up");
    if (found == 0) return false;
    if (pos == std::string::npos) return true;
  }
}

void File::create_group(const std::string& object_path) {
  Handle gcpl = compact_link_creation_list(H5P_GROUP_CREATE);
  H5Pset_obj_track_times(gcpl.id(), false);
  Handle g(H5Gcreate2(id(), object_path.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT), H5Gclose);
  if (g.id() < 0) fail_hdf5(object_path, "cannot create the group");
  if (g.close_checked() < 0) fail_hdf5(object_path, "cannot close the group");
}

void File::write_floats(const std::string& object_path, const float* data, const std::vector<std::uint64_t>& dims) {
  write_array(object_path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, sizeof(float), data, dims);
}

void File::write_array(const std::string& object_path, hid_t file_type, hid_t memory_type, std::size_t element_bytes,
                       const void* data, const std::vector<std::uint64_t>& dims) {
  std::vector<hsize_t> h(dims.begin(), dims.end());
  Handle space(H5Screate_simple(static_cast<int>(h.size()), h.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl.id(), false);
  std::uint64_t count = 1;
  for (auto d : dims) count *= d;
  // The whole array is one chunk with a Fletcher-32 checksum, which HDF5 verifies on every read. A
  // chunk holds at most 4 GiB, so arrays over 1 GiB are cut along their first axis. An empty array
  // has no chunk (and no data to protect).
  if (!h.empty() && count > 0) {
    std::vector<hsize_t> chunk = h;
    const std::uint64_t limit = (std::uint64_t{1} << 30) / element_bytes;
    const std::uint64_t row = count / h[0];
    if (count > limit) chunk[0] = std::max<std::uint64_t>(1, limit / std::max<std::uint64_t>(1, row));
    if (H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
        H5Pset_fletcher32(dcpl.id()) < 0)
      fail_hdf5(object_path, "cannot set up a checksummed dataset");
  }
  Handle set(H5Dcreate2(id(), object_path.c_str(), file_type, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
             H5Dclose);
  if (set.id() < 0) fail_hdf5(object_path, "cannot create the dataset");
  if (count > 0 && H5Dwrite(set.id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_hdf5(object_path, "cannot write the dataset");
  // Closing a chunked dataset writes its chunk out: a failure here is a failed write.
  if (set.close_checked() < 0) fail_hdf5(object_path, "cannot write the dataset (at close)");
}

std::vector<std::uint64_t> File::dataset_shape(const std::string& object_path) const {
  if (!exists(object_path)) fail(object_path, "expected a dataset, found nothing");
  H5O_info_t info;
  if (H5Oget_info_by_name2(id(), object_path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    fail_hdf5(object_path, "cannot read the object");
  if (info.type != H5O_TYPE_DATASET) fail(object_path, "expected a dataset, found another kind of object");
  Handle set(H5Dopen2(id(), object_path.c_str(), H5P_DEFAULT), H5Dclose);
  if (set.id() < 0) fail_hdf5(object_path, "cannot open the dataset");
  Handle space(H5Dget_space(set.id()), H5Sclose);
  if (space.id() < 0) fail_hdf5(object_path, "cannot read the dataset's shape");
  if (H5Sget_simple_extent_type(space.id()) != H5S_SIMPLE)
    fail(object_path, "expected an array, found a scalar or empty dataspace");
  int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) fail_hdf5(object_path, "cannot read the dataset's shape");
  std::vector<hsize_t> h(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.id(), h.data(), nullptr) < 0)
    fail_hdf5(object_path, "cannot read the dataset's shape");
  return {h.begin(), h.end()};
}

std::vector<float> File::read_floats(const std::string& object_path, const std::vector<std::uint64_t>& dims) const {
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<float> out(n);
  read_array(object_path, dims, H5T_IEEE_F32LE, "float32 values (IEEE little-endian)", H5T_NATIVE_FLOAT, out.data());
  return out;
}

void File::read_array(const std::string& object_path, const std::vector<std::uint64_t>& dims, hid_t file_type,
                      const std::string& type_description, hid_t memory_type, void* out) const {
  auto found = dataset_shape(object_path);
  if (found != dims) fail(object_path, "expected shape " + dims_string(dims) + ", found " + dims_string(found));
  Handle set(H5Dopen2(id(), object_path.c_str(), H5P_DEFAULT), H5Dclose);
  if (set.id() < 0) fail_hdf5(object_path, "cannot open the dataset");
  Handle type(H5Dget_type(set.id()), H5Tclose);
  if (type.id() < 0) fail_hdf5(object_path, "cannot read the dataset's type");
  // Exactly the type asked for: HDF5 would convert any float (or integer) type on reading, silently.
  if (H5Tequal(type.id(), file_type) <= 0)
    fail(object_path, "expected " + type_description + ", found " + type_name(type.id()));
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  if (n && H5Dread(set.id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    fail_hdf5(object_path, "cannot read the dataset (the file may be truncated or damaged)");
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

namespace {

// An object header message holds at most 64 KiB; a longer attribute would move every attribute of
// its object into "dense" storage, where objects over 4 KiB are kept without a checksum. Longer
// text is stored as a checksummed uint8 dataset named like the attribute instead.
constexpr std::size_t max_attribute_text_bytes = 60 * 1024;

std::string text_dataset_path(const std::string& object_path, const std::string& name) {
  return (object_path == "/" ? "" : object_path) + "/" + name;
}

}  // namespace

void File::write_attr(const std::string& object_path, const std::string& name, const std::string& value) {
  if (value.size() > max_attribute_text_bytes) {
    write_array(text_dataset_path(object_path, name), H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, value.data(), {value.size()});
    return;
  }
  // Fixed-length UTF-8, stored in the (checksummed) object header. Variable-length strings would
  // live in HDF5's global heap, which has no checksum. h5py reads these as bytes.
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), std::max<std::size_t>(1, value.size()));
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = create_attr(id(), object_path, name, type.id(), space.id());
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  if (attr.id() < 0 || H5Awrite(attr.id(), type.id(), padded.data()) < 0)
    fail_hdf5(object_path, "cannot write attribute \"" + name + "\"");
  if (attr.close_checked() < 0) fail_hdf5(object_path, "cannot write attribute \"" + name + "\"");
}

void File::write_attr(const std::string& object_path, const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = create_attr(id(), object_path, name, H5T_STD_I64LE, space.id());
  if (attr.id() < 0 || H5Awrite(attr.id(), H5T_NATIVE_INT64, &value) < 0)
    fail_hdf5(object_path, "cannot write attribute \"" + name + "\"");
  if (attr.close_checked() < 0) fail_hdf5(object_path, "cannot write attribute \"" + name + "\"");
}

void File::write_attr(const std::string& object_path, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = create_attr(id(), object_path, name, H5T_IEEE_F64LE, space.id());
  if (attr.id() < 0 || H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, &value) < 0)
    fail_hdf5(object_path, "cannot write attribute \"" + name + "\"");
  if (attr.close_checked() < 0) fail_hdf5(object_path, "cannot write attribute \"" + name + "\"");
}

bool File::has_attr(const std::string& object_path, const std::string& name) const {
  if (!exists(object_path)) return false;
  const htri_t found = H5Aexists_by_name(id(), object_path.c_str(), name.c_str(), H5P_DEFAULT);
  if (found < 0) fail_hdf5(object_path, "cannot look up attribute \"" + name + "\"");
  return found > 0 || has_text_dataset(object_path, name);
}

bool File::has_text_dataset(const std::string& object_path, const std::string& name) const {
  if (name.find('/') != std::string::npos) return false;
  return exists(text_dataset_path(object_path, name));
}

Handle File::open_attr(const std::string& object_path, const std::string& name) const {
  if (!has_attr(object_path, name)) fail(object_path, "expected attribute \"" + name + "\", found none");
  Handle attr(H5Aopen_by_name(id(), object_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (attr.id() < 0) fail_hdf5(object_path, "cannot open attribute \"" + name + "\"");
  // One value: reading an array attribute into one variable would overrun it.
  Handle space(H5Aget_space(attr.id()), H5Sclose);
  if (space.id() < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  const hssize_t points = H5Sget_simple_extent_npoints(space.id());
  if (H5Sget_simple_extent_type(space.id()) == H5S_NULL || points != 1)
    fail(object_path, "attribute \"" + name + "\": expected one value, found " +
                          (points < 0 ? std::string("an unreadable dataspace") : std::to_string(points)));
  return attr;
}

std::string File::read_attr_string(const std::string& object_path, const std::string& name) const {
  if (has_text_dataset(object_path, name) &&
      H5Aexists_by_name(id(), object_path.c_str(), name.c_str(), H5P_DEFAULT) <= 0) {
    const std::string path = text_dataset_path(object_path, name);
    const auto shape = dataset_shape(path);
    if (shape.size() != 1) fail(path, "expected text (a 1-D uint8 array), found shape " + dims_string(shape));
    std::string out(static_cast<std::size_t>(shape[0]), '\0');
    read_array(path, shape, H5T_STD_U8LE, "text (uint8)", H5T_NATIVE_UCHAR, out.data());
    return out;
  }
  Handle attr = open_attr(object_path, name);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (type.id() < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  if (H5Tget_class(type.id()) != H5T_STRING)
    fail(object_path, "attribute \"" + name + "\": expected a string, found " + type_name(type.id()));
  // Files of the first layout hold variable-length strings, in HDF5's global heap, which has no
  // checksum and on which HDF5 1.10.8 can hang: read only when converting such a file.
  const htri_t variable = H5Tis_variable_str(type.id());
  if (variable < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  if (variable > 0 && !first_layout_)
    fail(object_path, "attribute \"" + name + "\": expected a fixed-length string, found a variable-length one");
  if (variable > 0) {
    char* value = nullptr;
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));  // HDF5 does not convert between ASCII and UTF-8
    if (H5Aread(attr.id(), mem.id(), &value) < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
    std::string out = value ? value : "";
    H5free_memory(value);
    return out;
  }
  std::size_t size = H5Tget_size(type.id());
  if (size == 0 || size > (std::size_t{1} << 30))
    fail(object_path, "attribute \"" + name + "\": expected a string, found one of " + std::to_string(size) + " bytes");
  std::string out(size, '\0');
  if (H5Aread(attr.id(), type.id(), out.data()) < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

std::int64_t File::read_attr_int(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attr(object_path, name);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (type.id() < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  if (H5Tequal(type.id(), H5T_STD_I64LE) <= 0)
    fail(object_path, "attribute \"" + name + "\": expected an int64 (little-endian), found " + type_name(type.id()));
  std::int64_t v = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_INT64, &v) < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  return v;
}

double File::read_attr_double(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attr(object_path, name);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (type.id() < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  if (H5Tequal(type.id(), H5T_IEEE_F64LE) <= 0)
    fail(object_path, "attribute \"" + name + "\": expected a float64 (IEEE little-endian), found " +
                          type_name(type.id()));
  double v = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v) < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  return v;
}

std::vector<std::string> File::list(const std::string& group_path) const {
  std::vector<std::string> names;
  if (!exists(group_path)) return names;
  Handle group(H5Gopen2(id(), group_path.c_str(), H5P_DEFAULT), H5Gclose);
  if (group.id() < 0) fail_hdf5(group_path, "expected a group, found another kind of object");
  H5G_info_t info;
  if (H5Gget_info(group.id(), &info) < 0) fail_hdf5(group_path, "cannot read the group");
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t size = H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) fail_hdf5(group_path, "cannot read the group's links");
    std::string name(static_cast<std::size_t>(size), '\0');
    if (H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), size + 1, H5P_DEFAULT) < 0)
      fail_hdf5(group_path, "cannot read the group's links");
    names.push_back(name);
  }
  return names;
}

File::ObjectKind File::object_kind(const std::string& object_path) const {
  H5O_info_t info;
  if (H5Oget_info_by_name2(id(), object_path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    fail_hdf5(object_path, "cannot read the object");
  if (info.type == H5O_TYPE_GROUP) return ObjectKind::group;
  if (info.type == H5O_TYPE_DATASET) return ObjectKind::dataset;
  return ObjectKind::other;
}

std::vector<std::string> File::attribute_names(const std::string& object_path) const {
  H5O_info_t info;
  if (H5Oget_info_by_name2(id(), object_path.c_str(), &info, H5O_INFO_NUM_ATTRS, H5P_DEFAULT) < 0)
    fail_hdf5(object_path, "cannot read the object's attributes");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    auto name_of = [&](char* out, std::size_t size) {
      return H5Aget_name_by_idx(id(), object_path.c_str(), H5_INDEX_NAME, H5_ITER_INC, i, out, size, H5P_DEFAULT);
    };
    const ssize_t size = name_of(nullptr, 0);
    if (size < 0) fail_hdf5(object_path, "cannot read the object's attributes");
    std::string name(static_cast<std::size_t>(size), '\0');
    if (name_of(name.data(), name.size() + 1) < 0) fail_hdf5(object_path, "cannot read the object's attributes");
    names.push_back(name);
  }
  return names;
}

H5T_class_t File::attribute_class(const std::string& object_path, const std::string& name) const {
  Handle attr(H5Aopen_by_name(id(), object_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (attr.id() < 0) fail_hdf5(object_path, "cannot open attribute \"" + name + "\"");
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (type.id() < 0) fail_hdf5(object_path, "cannot read attribute \"" + name + "\"");
  return H5Tget_class(type.id());
}

bool File::dataset_type_is(const std::string& object_path, hid_t file_type) const {
  Handle set(H5Dopen2(id(), object_path.c_str(), H5P_DEFAULT), H5Dclose);
  if (set.id() < 0) fail_hdf5(object_path, "cannot open the dataset");
  Handle type(H5Dget_type(set.id()), H5Tclose);
  if (type.id() < 0) fail_hdf5(object_path, "cannot read the dataset's type");
  return H5Tequal(type.id(), file_type) > 0;
}

}  // namespace bcnn::h5
