#include "io/npy.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "io/hdf5.h"

namespace bcnn {

void write_npy(const std::string& path, const float* data, const std::vector<std::size_t>& shape) {
  std::string dims;
  std::size_t count = 1;
  for (std::size_t d : shape) {
    dims += std::to_string(d) + ", ";
    count *= d;
  }
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64
  // and ended by a newline.
  std::size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  const std::string temp = h5::temp_path_for(path);
  {
    std::ofstream out(temp, std::ios::binary);
    if (!out) throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
    const unsigned short length = static_cast<unsigned short>(header.size());
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(static_cast<char>(length & 0xff));
    out.put(static_cast<char>(length >> 8));
    out << header;
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(float)));
    if (!out) {
      h5::remove_quietly(temp);
      throw Error(path + ": write failed");
    }
  }
  h5::commit_temp(temp, path);
}

}  // namespace bcnn
