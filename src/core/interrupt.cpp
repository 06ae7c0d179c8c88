#include "core/interrupt.h"

#include <atomic>
#include <csignal>

namespace bcnn {
namespace {

constexpr int handled_signals[] = {SIGINT, SIGTERM, SIGHUP};

// Lock-free, so that the signal handler may set it. 0: no request.
std::atomic<int> interrupt_number{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_interrupt(int signal_number) {
  int none = 0;
  interrupt_number.compare_exchange_strong(none, signal_number);
  for (int s : handled_signals) std::signal(s, SIG_DFL);
}

}  // namespace

void install_interrupt_handler() {
  for (int s : handled_signals) std::signal(s, on_interrupt);
}

bool interrupt_requested() { return interrupt_number.load() != 0; }

void throw_if_interrupted() {
  if (interrupt_requested()) throw Interrupted();
}

int interrupt_signal() { return interrupt_number.load(); }

const char* interrupt_signal_name() {
  switch (interrupt_number.load()) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "no signal";
  }
}

int interrupt_exit_status() { return 128 + (interrupt_requested() ? interrupt_number.load() : SIGINT); }

}  // namespace bcnn
