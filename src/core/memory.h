#pragma once
// How much memory this process may still use, and how big figures are printed, so that tools can
// refuse a configuration up front ("needs about 30.2 GiB ...") instead of failing half-way.
#include <cstdint>
#include <optional>
#include <string>

namespace bcnn {

// The smaller of /proc/meminfo's MemAvailable and the cgroup's limit minus its usage (cgroup v2
// memory.max, or v1 memory.limit_in_bytes); nothing when neither can be read.
std::optional<std::int64_t> available_memory_bytes();

// "7.4 GiB", "350.0 MiB".
std::string format_gib(std::int64_t bytes);

// Throws a bcnn::Error when `needed_bytes` exceeds the available memory: "<what> needs about X,
// this machine has Y available; <advice>".
void require_memory(std::int64_t needed_bytes, const std::string& what, const std::string& advice);

}  // namespace bcnn
