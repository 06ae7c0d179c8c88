#include "hw/pass_through.h"

#include "hw/exact.h"

namespace bcnn::hw {

void HwPassThrough::quantize(const Layer& /*layer*/, QuantLayer& q, QuantContext& /*ctx*/,
                             const std::string& /*in_origin*/,
                             const std::optional<FixedFormat>& /*out_override*/) const {
  q.out = q.in;
}

void HwPassThrough::validate(const QuantLayer& q) const {
  require(q.n_out == q.n_in, q, "n_out = " + std::to_string(q.n_out) + " must equal n_in = " + std::to_string(q.n_in));
}

std::vector<std::int64_t> HwPassThrough::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  if (q.in == q.out) return in;
  std::vector<std::int64_t> out(q.n_out);
  for (int i = 0; i < q.n_out; ++i) out[i] = convert(exact(in[i], q.in), q.out);
  return out;
}

bool HwPassThrough::reuse_step(const QuantLayer& q, ReuseStep& step) const {
  if (has_hardware(q) || !(q.in == q.out)) return false;
  step.op = ReuseStep::Op::pass;
  return true;
}

}  // namespace bcnn::hw
