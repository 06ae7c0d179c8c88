#pragma once
// SIGINT (Ctrl-C), SIGTERM and SIGHUP as a request to stop at the next safe point. The front ends
// install the handler; long work either polls interrupt_requested() (bcnn-train finishes its step
// and saves a checkpoint) or calls throw_if_interrupted() (bcnn-compile abandons its staging
// directory, leaving nothing behind). The first signal only records itself; the handler then
// restores the default action of all three, so a second signal ends the process at once. The tools
// exit with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
#include <string_view>

#include "core/error.h"

namespace bcnn {

// Thrown by throw_if_interrupted(); front ends report it and exit with interrupt_exit_status().
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

void install_interrupt_handler();
bool interrupt_requested();
void throw_if_interrupted();
// The signal that asked to stop (0 when none), its name ("SIGTERM") and 128 + its number.
int interrupt_signal();
const char* interrupt_signal_name();
int interrupt_exit_status();

// A line the handler writes to stderr at once, before the process reaches a safe point: an MPI
// rank blocked in a collective when its launcher ends the job (Open MPI sends SIGTERM, then
// SIGKILL a second later) never gets there. The handler writes "TOOL: SIGTERM: " and then the
// text, which should end in a newline; an empty text writes nothing. Safe to call while a
// signal may arrive: the handler always writes a whole text, the previous one or this one.
void set_interrupt_notice(std::string_view tool, std::string_view text);

}  // namespace bcnn
