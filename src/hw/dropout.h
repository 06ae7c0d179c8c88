#pragma once
// dropout in hardware: a pass-through (hw/pass_through.h); at inference it is the identity.
#include "hw/pass_through.h"

namespace bcnn::hw {

class HwDropout : public HwPassThrough {
 public:
  std::string_view type() const override { return "dropout"; }
};

}  // namespace bcnn::hw
