#pragma once
// A thread that makes a rank's MPI calls in the order they are posted, so that the gradients of
// the last layers travel while the backward pass computes the first ones (as PyTorch DDP's
// buckets do). Every rank posts the same calls in the same order, so the collectives match.
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace bcnn {

class CommThread {
 public:
  CommThread();
  ~CommThread();  // finishes what was posted
  CommThread(const CommThread&) = delete;
  CommThread& operator=(const CommThread&) = delete;

  // Queues `job`; returns at once.
  void post(std::function<void()> job);
  // Queues `job` and waits for it (and everything posted before).
  void run(std::function<void()> job);
  // Waits until every job posted so far has run; rethrows the first error a job threw (later
  // jobs are skipped once one failed).
  void wait();

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false, stopping_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace bcnn
