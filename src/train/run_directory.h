#pragma once
// A run's output directory (--out): which files make a run, refusing to overwrite one, and
// bringing its metrics.jsonl back to a checkpoint's epoch when the run resumes.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bcnn {

// The files bcnn-train writes into --out, in the order they are listed in messages.
const std::vector<std::string>& run_file_names();

// The run files that exist in `dir` (names only; empty when the directory does not exist).
std::vector<std::string> existing_run_files(const std::string& dir);

// Rewrites `path` (metrics.jsonl) to hold exactly one row per epoch 1..completed_epochs, in order:
// rows of later epochs are dropped (a run killed between the metrics append and the checkpoint
// wrote them, and the resumed run writes them again), and of repeated epochs the last row is kept.
// `source` (may equal `path`) is where the rows come from. Lines that are not a JSON object with an
// integer "epoch" (a line torn by a kill) are dropped with a warning naming the file and the line.
// Returns the number of rows kept.
int truncate_metrics(const std::string& source, const std::string& path, int completed_epochs);

// The rows of a metrics.jsonl in epoch order, one per epoch (the last of a repeated epoch), torn
// lines dropped with a warning as above; an unreadable file is a bcnn::Error naming it.
std::vector<nlohmann::json> read_metrics(const std::string& path);

}  // namespace bcnn
