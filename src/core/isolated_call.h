#pragma once
// Work that may crash or hang the process, done in a child process. A library that is not safe on
// damaged input (HDF5 1.10.8 on files of its earliest format, io/model_upgrade.h) can then end only
// in a bcnn::Error: a crash, an exit or a hang past the time limit of the child becomes a message
// in the caller, which goes on (removing its temporary files, reporting, exiting 1).
#include <functional>
#include <string>

#include "core/error.h"

namespace bcnn {

// The child crashed, exited, or ran out of time before returning a result.
class ChildFailure : public Error {
 public:
  explicit ChildFailure(const std::string& message) : Error(message) {}
};

// Runs `work` in a forked child and returns the bytes it returned. An exception in the child comes
// back as a bcnn::Error with its message. A child that ends by a signal or with another exit status
// before returning, or that runs longer than `timeout_s` (it is then killed), is a ChildFailure
// whose message begins with `what`; an interrupt (core/interrupt.h) while waiting kills the child
// and throws Interrupted. The child's stdout and stderr go to /dev/null. Call it before the
// process starts threads: the child has only the calling thread.
std::string run_isolated(const std::function<std::string()>& work, double timeout_s, const std::string& what);

}  // namespace bcnn
