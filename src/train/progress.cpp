#include "train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace bcnn {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

ProgressBar::ProgressBar(std::string label, long total, double log_interval_s)
    : label_(std::move(label)), total_(total), log_interval_s_(log_interval_s), tty_(isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

void ProgressBar::update(long done, const std::string& metrics, double items_per_s) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  bool last = done >= total_;
  if (tty_ ? (since < 0.1 && !last && drawn_) : (since < log_interval_s_ && !last)) return;
  if (!tty_ && last) return;  // the caller's summary line follows
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double eta = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : -1;
  constexpr int width = 24;
  int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width) bar += '>' + std::string(static_cast<std::size_t>(width - filled - 1), ' ');
  std::string run_eta;
  if (later_ > 0 && done > 0)
    run_eta = " (run " +
              format_duration(elapsed * static_cast<double>(total_ - done + later_) / static_cast<double>(done)) + ")";
  std::fprintf(stderr, "%s%s [%s] %ld/%ld %s %.0f img/s ETA %s%s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
               done, total_, metrics.c_str(), items_per_s, format_duration(eta).c_str(), run_eta.c_str(),
               tty_ ? "\033[K" : "\n");
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (tty_ && drawn_) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace bcnn
