#include "core/interrupt.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "core/write_all.h"

namespace bcnn {
namespace {

constexpr int handled_signals[] = {SIGINT, SIGTERM, SIGHUP};

// Lock-free, so that the signal handler may set it. 0: no request.
std::atomic<int> interrupt_number{0};
static_assert(std::atomic<int>::is_always_lock_free);

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "no signal";
  }
}

// The notice: two buffers, the one the handler writes named by an atomic index, so that setting a
// new notice (into the other buffer) never changes a text the handler may be writing. Notices are
// set seconds apart (once per checkpoint), far longer than a write to stderr takes.
struct Notice {
  char tool[64];  // "bcnn-train: "
  std::size_t tool_length = 0;
  char text[2048];
  std::size_t length = 0;
};
Notice notices[2];
std::atomic<int> notice_in_use{-1};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_interrupt(int signal_number) {
  const int saved_errno = errno;
  int none = 0;
  interrupt_number.compare_exchange_strong(none, signal_number);
  for (int s : handled_signals) std::signal(s, SIG_DFL);
  const int i = notice_in_use.load();
  if (i >= 0 && notices[i].length > 0) {
    const char* name = signal_name(signal_number);
    write_all(STDERR_FILENO, notices[i].tool, notices[i].tool_length);
    write_all(STDERR_FILENO, name, std::strlen(name));
    write_all(STDERR_FILENO, ": ", 2);
    write_all(STDERR_FILENO, notices[i].text, notices[i].length);
  }
  errno = saved_errno;
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

const char* interrupt_signal_name() { return signal_name(interrupt_number.load()); }

void set_interrupt_notice(std::string_view tool, std::string_view text) {
  const int next = notice_in_use.load() == 0 ? 1 : 0;
  Notice& notice = notices[next];
  const std::string prefix = std::string(tool) + ": ";
  notice.tool_length = std::min(prefix.size(), sizeof notice.tool);
  std::memcpy(notice.tool, prefix.data(), notice.tool_length);
  notice.length = std::min(text.size(), sizeof notice.text);
  std::memcpy(notice.text, text.data(), notice.length);
  notice_in_use.store(next);
}

int interrupt_exit_status() { return 128 + (interrupt_requested() ? interrupt_number.load() : SIGINT); }

}  // namespace bcnn
