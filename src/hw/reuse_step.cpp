#include "hw/reuse_step.h"

#include "bcnn_hls/fixed.h"
#include "core/error.h"

namespace bcnn::hw {

// The engines' domain: bcnn_hls::reuse_convert is convert_raw64, exact below 2^62.
constexpr int reuse_bits = 62;

void require_reuse_width(const QuantLayer& q, const FixedFormat& f, const std::string& what) {
  if (f.width > reuse_bits)
    throw Error("--architecture reuse: layer '" + q.name + "' (" + q.type + "): " + what + " needs " +
                std::to_string(f.width) + " bits, the reuse engines hold at most " + std::to_string(reuse_bits) +
                "; narrow the layer's formats (--layer-precision) or use --architecture dataflow");
}

void require_reuse_convert(const QuantLayer& q, const FixedFormat& from, const FixedFormat& to,
                           const std::string& what) {
  if (!bcnn_hls::convert_fits_64(from.width, from.fraction_bits(), to.fraction_bits()))
    throw Error("--architecture reuse: layer '" + q.name + "' (" + q.type + "): " + what + " (from " +
                std::to_string(from.width) + " bits with " + std::to_string(from.fraction_bits()) +
                " fraction bits to " + std::to_string(to.fraction_bits()) + ") needs more than " +
                std::to_string(reuse_bits) +
                " bits; narrow the layer's formats (--layer-precision) or use --architecture dataflow");
}

}  // namespace bcnn::hw
