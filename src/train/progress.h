#pragma once
// A one-line progress bar for long loops: done/total, the caller's metrics, rate and ETA; with
// set_later(n), also the ETA of the whole run when n more items at the same rate follow this bar
// (the later epochs of a training run).
// On a terminal it redraws in place (at most 10 times a second); otherwise (logs, CI) it prints
// a plain line at most every `log_interval_s` seconds.
#include <chrono>
#include <string>

namespace bcnn {

class ProgressBar {
 public:
  ProgressBar(std::string label, long total, double log_interval_s = 15.0);
  // `metrics` is appended after the bar, e.g. "loss 0.1234 acc 96.1%".
  void update(long done, const std::string& metrics, double items_per_s);
  void set_later(long items) { later_ = items; }
  // Clears the bar (terminal) so the caller's summary line replaces it.
  void finish();

 private:
  std::string label_;
  long total_;
  long later_ = 0;
  double log_interval_s_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

std::string format_duration(double seconds);

}  // namespace bcnn
