#include "hw/hw_layer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "hw/fixed_format.h"

namespace bcnn::hw {

StageEstimate HwLayer::estimate(const QuantLayer& q, const FpgaPart& /*part*/) const {
  throw Error("internal error: layer " + q.name + " (" + std::string(type()) + ") has no hardware to estimate");
}

TemplateValues HwLayer::template_values(const QuantLayer& q, const ProjectNames& names) const {
  TemplateValues v;
  v.set("name", q.name)
      .set("type", std::string(type()))
      .set("id", names.id)
      .set("config", names.config)
      .set("n_in", q.n_in)
      .set("n_out", q.n_out)
      .set("in_t", cpp_type(q.in))
      .set("out_t", cpp_type(q.out));
  // Feature maps: their geometry, and the FIFO a streaming layer writes.
  if (q.in_shape.size() == 3)
    v.set("in_channels", q.in_shape[0])
        .set("in_height", q.in_shape[1])
        .set("in_width", q.in_shape[2])
        .set("in_pixel_count", q.in_shape[1] * q.in_shape[2]);
  if (q.out_shape.size() == 3)
    v.set("out_channels", q.out_shape[0])
        .set("out_height", q.out_shape[1])
        .set("out_width", q.out_shape[2])
        .set("out_pixel_count", q.out_shape[1] * q.out_shape[2])
        .set("fifo_depth", pixel_fifo_depth(q.out_shape));
  return v;
}

std::string HwLayer::fill_part(const std::string& part, const TemplateValues& values) const {
  return fill_template_part(template_path(), part, values);
}

std::string HwLayer::fill_layer_part(const QuantLayer& q, const std::string& part,
                                     const TemplateValues& values) const {
  if ((q.in_pixels || q.out_pixels) && has_template_part(template_path(), part + "_pixels"))
    return fill_part(part + "_pixels", values);
  return fill_part(part, values);
}

std::string HwLayer::config_struct(const QuantLayer& q, const ProjectNames& names) const {
  return fill_layer_part(q, "config", template_values(q, names));
}

std::string HwLayer::top_call(const QuantLayer& q, const ProjectNames& names, const std::string& in,
                              const std::string& out) const {
  TemplateValues v = template_values(q, names);
  v.set("in", in).set("out", out);
  return fill_layer_part(q, "call", v);
}

void choose_cheapest_knobs(const HwLayer& kind, QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                           const std::vector<std::map<std::string, int>>& settings,
                           const std::function<void(std::int64_t)>& out_of_reach) {
  struct Candidate {
    const std::map<std::string, int>* knobs;
    StageEstimate estimate;
  };
  std::vector<Candidate> candidates;
  std::int64_t best_ii = std::numeric_limits<std::int64_t>::max();
  for (const auto& knobs : settings) {
    QuantLayer trial = q;
    kind.apply_parallelism(LayerParallelism{knobs, std::nullopt}, trial);
    candidates.push_back({&knobs, kind.estimate(trial, part)});
    best_ii = std::min(best_ii, candidates.back().estimate.ii_cycles);
  }
  const bool reachable = best_ii <= target_ii;
  const std::int64_t limit = reachable ? target_ii : best_ii + best_ii / 20;
  const Candidate* chosen = nullptr;
  for (const auto& c : candidates) {
    if (c.estimate.ii_cycles > limit) continue;
    if (!chosen) {
      chosen = &c;
      continue;
    }
    const Resources& x = c.estimate.resources;
    const Resources& y = chosen->estimate.resources;
    if (x.dsp < y.dsp ||
        (x.dsp == y.dsp && (x.bram18 < y.bram18 ||
                            (x.bram18 == y.bram18 && c.estimate.ii_cycles < chosen->estimate.ii_cycles))))
      chosen = &c;
  }
  if (chosen) kind.apply_parallelism(LayerParallelism{*chosen->knobs, std::nullopt}, q);
  if (!reachable) out_of_reach(best_ii);
}

std::vector<int> powers_of_two_and(int n) {
  std::vector<int> v;
  for (int x = 1; x < n; x *= 2) v.push_back(x);
  v.push_back(n);
  return v;
}

int pixel_fifo_depth(const std::vector<int>& shape) { return shape.size() == 3 ? std::max(2, shape[2]) : 0; }

void throw_missing_params(const QuantLayer& q) {
  throw Error("layer '" + q.name + "': its " + q.type +
              " parameters are missing (QuantLayer::params holds none, or another kind's)");
}

void require(bool ok, const QuantLayer& q, const std::string& what) {
  if (!ok) throw Error("fixed-point emulator: layer '" + q.name + "': " + what);
}

void require_format(const QuantLayer& q, const FixedFormat& f, const char* field) {
  require(bcnn_hls::is_valid(f), q,
          std::string(field) + " format is invalid (width " + std::to_string(f.width) + ", " +
              std::to_string(f.integer) + " integer bits; expected 1 <= width <= 64)");
}

void require_exact_width(const QuantLayer& q, const FixedFormat& f, const std::string& what) {
  require(f.width <= 64, q,
          what + " needs " + std::to_string(f.width) +
              " bits exactly, but the HLS kernel's exact intermediates are limited to 64 bits "
              "(narrow the formats involved)");
}

void require_raw(const QuantLayer& q, const std::vector<std::int64_t>& values, std::size_t size,
                 const FixedFormat& f, const char* name) {
  require(values.size() == size, q,
          std::string(name) + " has " + std::to_string(values.size()) + " values, expected " + std::to_string(size));
  for (std::size_t i = 0; i < values.size(); ++i)
    require(values[i] >= f.min_raw() && values[i] <= f.max_raw(), q,
            std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(values[i]) +
                " does not fit its " + std::to_string(f.width) + "-bit format");
}

int parallelism_in_range(const QuantLayer& q, int value, int max, const std::string& what) {
  if (value < 1 || value > max)
    throw Error("--parallelism " + q.name + ": expected " + what + " in 1.." + std::to_string(max) + ", found " +
                std::to_string(value));
  return value;
}

std::string array_initializer(const std::vector<std::int64_t>& values, const FixedFormat& f,
                              const std::vector<int>& dims) {
  std::string out;
  std::vector<std::size_t> strides(dims.size(), 1);
  for (int d = static_cast<int>(dims.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * dims[d + 1];
  // The last dimension is one line; the others are braces around lines, indented by depth.
  auto rec = [&](auto&& self, int d, std::size_t offset, const std::string& indent) -> void {
    if (d + 1 == static_cast<int>(dims.size())) {
      out += indent + "{";
      for (int i = 0; i < dims[d]; ++i) {
        if (i) out += ", ";
        append_exact_literal(out, values[offset + i], f);
      }
      out += "}";
      return;
    }
    out += indent + "{\n";
    for (int i = 0; i < dims[d]; ++i) {
      self(self, d + 1, offset + i * strides[d], indent + "  ");
      out += i + 1 < dims[d] ? ",\n" : "\n";
    }
    out += indent + "}";
  };
  rec(rec, 0, 0, "");
  out += ";\n";
  return out;
}

}  // namespace bcnn::hw
