#pragma once
// The start of a data-parallel run: every rank must run the same binary on the same configuration
// and the same data, or their shards would not add up to one training.
#include <nlohmann/json.hpp>

#include <string>

#include "dist/communicator.h"

namespace bcnn {

// Compares every rank's executable (a hash of its bytes), resolved configuration (but for the
// data's path: each machine may keep its copy elsewhere) and data fingerprint with rank 0's; throws bcnn::Error on every rank naming the first rank that differs
// and what differs (the configuration's JSON pointers, the binary, the data).
void check_same_job(Communicator& comm, const nlohmann::json& resolved_config, const std::string& data_fingerprint);

// The fingerprint of a file's bytes (bytes_fingerprint); "unreadable" when it cannot be read.
std::string file_fingerprint(const std::string& path);

}  // namespace bcnn
