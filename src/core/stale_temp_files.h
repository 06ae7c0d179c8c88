#pragma once
// Temporary files and staging directories are named "<target>.tmp-<pid>" (h5::temp_path_for,
// bcnn-compile's staging directory). A process killed with SIGKILL cannot remove its own; the next
// tool that writes into the same directory removes those whose process is gone.
#include <string>
#include <vector>

namespace bcnn {

// Removes every "*.tmp-<pid>" entry of `dir` (files and directories) whose pid is not a live
// process, and returns their names. A pid that is alive (perhaps another process by now) keeps
// its entry: removing a live writer's file is worse than leaving a stale one.
std::vector<std::string> remove_stale_temp_files(const std::string& dir);

}  // namespace bcnn
