#pragma once
// Shape checks shared by the layer factories; errors name the layer and its JSON pointer.
#include <string>

#include "core/error.h"
#include "core/tensor.h"
#include "net/json_reader.h"

namespace bcnn {

inline void require_vector_input(const JsonObject& spec, const std::string& name, const Shape& input) {
  if (input.size() != 1)
    spec.fail_here("layer \"" + name + "\": expected a 1-D input (add a \"flatten\" layer before it), found shape " +
                   shape_string(input));
}

}  // namespace bcnn
