// The libFuzzer entry point of one harness; BCNN_FUZZ_TARGET names the entry function in
// targets.h (tests/fuzz/CMakeLists.txt builds one executable per harness).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bcnn::fuzz::BCNN_FUZZ_TARGET(data, size);
  return 0;
}
