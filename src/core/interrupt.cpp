#include "core/interrupt.h"

#include <atomic>
#include <csignal>

namespace bcnn {
namespace {

// Lock-free, so that the signal handler may set it.
std::atomic<bool> interrupt_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_interrupt(int) {
  interrupt_flag.store(true);
  std::signal(SIGINT, SIG_DFL);
}

}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_interrupt); }
bool interrupt_requested() { return interrupt_flag.load(); }

void throw_if_interrupted() {
  if (interrupt_flag.load()) throw Interrupted();
}

}  // namespace bcnn
