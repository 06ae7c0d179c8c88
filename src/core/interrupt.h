#pragma once
// Ctrl-C as a request to stop at the next safe point. The front ends install the handler; long
// work either polls interrupt_requested() (bcnn-train finishes its step and saves a checkpoint) or
// calls throw_if_interrupted() (bcnn-compile abandons its staging directory, leaving nothing
// behind). The first SIGINT only sets a flag; the handler then restores the default action, so a
// second Ctrl-C ends the process at once.
#include "core/error.h"

namespace bcnn {

// Thrown by throw_if_interrupted(); front ends report it and exit with status 130 (128 + SIGINT).
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

void install_interrupt_handler();
bool interrupt_requested();
void throw_if_interrupted();

}  // namespace bcnn
