#include "hw/lanes.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "core/error.h"
#include "hw/resources.h"

namespace bcnn::hw {

int lanes_channels(const QuantLayer& q) { return q.in_shape.empty() ? 0 : q.in_shape[0]; }

void apply_lanes(const LayerParallelism& p, QuantLayer& q, int& lanes) {
  std::optional<int> value;
  if (auto it = p.knobs.find("lanes"); it != p.knobs.end()) value = it->second;
  if (p.units) value = *p.units;
  if (!value) return;
  if (!q.in_pixels)
    throw Error("--parallelism " + q.name + ": " + q.type +
                " on an array computes one element per cycle; lanes applies to layers that stream pixels");
  lanes = parallelism_in_range(q, *value, lanes_channels(q), "lanes");
}

std::int64_t lanes_pixel_cycles(std::int64_t pixels, std::int64_t channels, int lanes, int depth) {
  return pixels * (ceil_div(channels, lanes) + depth);
}

std::int64_t lanes_mux_lut(std::int64_t channels, int lanes, int width) {
  const std::int64_t chunks = ceil_div(channels, lanes);
  return chunks > 1 ? static_cast<std::int64_t>(lanes) * width * ceil_div(chunks, 4) : 0;  // a LUT6: 4:1
}

std::string lanes_cell(const QuantLayer& q, int lanes) {
  if (!q.in_pixels) return "1 element per cycle";
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
  if (!q.in_pixels) {
    const std::int64_t ii = kind.estimate(q, part).ii_cycles;
    if (ii > target_ii) out_of_reach(ii);
    return;
  }
  const std::vector<int> candidates = powers_of_two_and(lanes_channels(q));
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
  if (!q.in_pixels) return;
  const int C = lanes_channels(q);
  for (int lanes = 1; lanes <= C; ++lanes)
    if (lanes == C || estimate_with(kind, q, part, lanes).ii_cycles <= target_ii) {
      kind.apply_parallelism(LayerParallelism{{{"lanes", lanes}}, std::nullopt}, q);
      return;
    }
}

}  // namespace bcnn::hw
