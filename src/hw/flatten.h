#pragma once
// flatten in hardware: a pass-through (hw/pass_through.h); the values are already in C order.
#include "hw/pass_through.h"

namespace bcnn::hw {

class HwFlatten : public HwPassThrough {
 public:
  std::string_view type() const override { return "flatten"; }
};

}  // namespace bcnn::hw
