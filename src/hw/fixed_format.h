#pragma once
// Fixed-point format helpers shared by every hardware kind: the two families of formats the
// compiler chooses (data: AP_RND/AP_SAT; exact: AP_TRN/AP_WRAP with integer bits from a proven
// bound), their ranges, and their spellings in generated C++ and in the reports.
#include <cstdint>
#include <string>

#include "quant/quantized_model.h"

namespace bcnn::hw {

using bcnn_hls::int128;

// An activation or constant format: rounds to nearest and saturates.
FixedFormat data_format(int width, int integer);
// An accumulator whose integer bits come from a proven bound: it never wraps, so truncation and
// wrap-around cost no logic.
FixedFormat exact_format(int width, int integer);

// The range of a format: [-2^(I-1), 2^(I-1) - 2^-F].
double format_min(const FixedFormat& f);
double format_max(const FixedFormat& f);

// Smallest width w with -2^(w-1) <= -bound and bound <= 2^(w-1) - 1, for a raw magnitude.
int width_for_raw_bound(int128 bound);
int128 abs128(std::int64_t v);
// log2 of a power of two (the smallest l with 2^l >= k otherwise).
int log2_ceil(std::int64_t k);

// "bcnn_hls::fixed<16, 6, AP_RND, AP_SAT>", the type of a generated configuration struct.
std::string cpp_type(const FixedFormat& f);
// <16,2> for AP_RND/AP_SAT, <43,8 exact> for AP_TRN/AP_WRAP, the modes spelled out otherwise
// (the layer tables of bcnn-compile and the README).
std::string short_format(const FixedFormat& f);

// An exact C++ literal for the fixed-point value raw * 2^-F: the shortest decimal that converts
// to that value as a double (exact for widths up to 53 bits), appended to `out`.
void append_exact_literal(std::string& out, std::int64_t raw, const FixedFormat& f);

}  // namespace bcnn::hw
