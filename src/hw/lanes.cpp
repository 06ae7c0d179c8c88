#include "hw/lanes.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "core/error.h"
#include "hw/resources.h"

namespace bcnn::hw {

int lanes_channels(const QuantLayer& q) { return q.in_shape.empty() ? 0 : q.in_shape[0]; }

int lanes_limit(const QuantLayer& q) { return q.in_pixels ? lanes_channels(q) : q.n_in; }

void apply_lanes(const LayerParallelism& p, QuantLayer& q, int& lanes) {
  std::optional<int> value;
  if (auto it = p.knobs.find("lanes"); it != p.knobs.end()) value = it->second;
  if (p.units) value = *p.units;
  if (!value) return;
  lanes = parallelism_in_range(q, *value, lanes_limit(q), "lanes");
}

std::int64_t lanes_pixel_cycles(std::int64_t pixels, std::int64_t channels, int lanes, int depth) {
  return pixels * ceil_div(channels, lanes) + depth;
}

std::int64_t lanes_mux_lut(std::int64_t channels, int lanes, int width) {
  const std::int64_t chunks = ceil_div(channels, lanes);
  return chunks > 1 ? static_cast<std::int64_t>(lanes) * width * ceil_div(chunks, 4) : 0;  // a LUT6: 4:1
}

std::int64_t lanes_array_cycles(std::int64_t n, int lanes, int depth) { return ceil_div(n, lanes) + depth; }

std::string lanes_cell(const QuantLayer& q, int lanes) {
  if (!q.in_pixels) return std::to_string(lanes) + (lanes == 1 ? " element" : " elements") + " per cycle";
  return std::to_string(lanes) + (lanes == 1 ? " lane" : " lanes") + " of " + std::to_string(lanes_channels(q)) +
         " channels";
}

namespace {

// q with `lanes` lanes, estimated.
StageEstimate estimate_with(const HwLayer& kind, const QuantLayer& q, const FpgaPart& part, int lanes) {
  QuantLayer trial = q;
  kind.apply_parallelism(LayerParallelism{{{"lanes", lanes}}, std::nullopt}, trial);
  return kind.estimate(trial, part);
}

}  // namespace

void choose_lanes(const HwLayer& kind, QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                  const std::function<void(std::int64_t)>& out_of_reach) {
  const std::vector<int> candidates = powers_of_two_and(lanes_limit(q));
  std::vector<std::int64_t> ii;
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (int lanes : candidates) {
    ii.push_back(estimate_with(kind, q, part, lanes).ii_cycles);
    best = std::min(best, ii.back());
  }
  const bool reachable = best <= target_ii;
  const std::int64_t limit = reachable ? target_ii : best + best / 20;
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (ii[i] <= limit) {
      kind.apply_parallelism(LayerParallelism{{{"lanes", candidates[i]}}, std::nullopt}, q);
      break;
    }
  if (!reachable) out_of_reach(best);
}

void balance_lanes(const HwLayer& kind, QuantLayer& q, const FpgaPart& part, std::int64_t target_ii) {
  const int limit = lanes_limit(q);
  for (int lanes = 1; lanes <= limit; ++lanes)
    if (lanes == limit || estimate_with(kind, q, part, lanes).ii_cycles <= target_ii) {
      kind.apply_parallelism(LayerParallelism{{{"lanes", lanes}}, std::nullopt}, q);
      return;
    }
}

}  // namespace bcnn::hw
