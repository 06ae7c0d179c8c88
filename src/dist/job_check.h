#pragma once
// The start of a data-parallel run: every rank must run the same binary on the same configuration
// and the same data, or their shards would not add up to one training.
#include <nlohmann/json.hpp>

#include <string>

#include "dist/communicator.h"

namespace bcnn {

// First, when a rank could not read its inputs (`startup_error` not empty), throws on every rank
// "rank R of the MPI job cannot start: ERROR" (rank 0's own error as it is). Then compares every
// rank's executable (a hash of its bytes), resolved configuration (but for the data's path: each
// machine may keep its copy elsewhere) and data fingerprint with rank 0's; throws bcnn::Error on
// every rank naming the first rank that differs and what differs (the configuration's JSON
// pointers, the binary, the data).
void check_same_job(Communicator& comm, const nlohmann::json& resolved_config, const std::string& data_fingerprint,
                    const std::string& startup_error = "");

// The fingerprint of a file's bytes (bytes_fingerprint); "unreadable" when it cannot be read.
std::string file_fingerprint(const std::string& path);

}  // namespace bcnn
