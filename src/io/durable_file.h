#pragma once
// Checked, durable file writes: the one place where bcnn's outputs (models and checkpoints,
// config.json, metrics.jsonl, .npy files) reach the disk. Every write, fsync and close is checked;
// a failure (a full disk, a quota, permissions, an I/O error) is a bcnn::Error naming the file and
// the cause (strerror), and leaves the previous file exactly as it was, with no temporary file.
#include <string>
#include <string_view>

namespace bcnn {

// The temporary file beside `path` that a write fills before it is renamed onto `path`:
// `path` + ".tmp-" + the process id.
std::string temp_path_for(const std::string& path);

// Replaces `path` by `bytes`, all or nothing: writes a temporary file beside it, fsyncs and closes
// it, renames it onto `path` and fsyncs the directory, so that after a crash or power loss `path`
// holds either the old or the new content.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Writes a new file that nobody reads before its directory is committed (a staging directory that
// is renamed whole, as bcnn-compile's project): written, fsynced and closed, each step checked; on
// failure the partial file is removed and the error names `path` and the cause.
void write_new_file_durably(const std::string& path, std::string_view bytes);

// fsyncs a directory, so that the files created or renamed in it survive a crash; throws naming
// the directory and the cause. File systems that cannot sync a directory (EINVAL) are accepted.
void sync_directory_to_disk(const std::string& directory);

// Appends `line` and a newline to `path` (creating it), fsynced. On failure the file is cut back to
// its previous size, so it never ends in a partial line.
void append_line_durably(const std::string& path, std::string_view line);

// Copies `from` to `to` through write_file_atomically.
void copy_file_atomically(const std::string& from, const std::string& to);

// Removes `path` if it exists; errors are ignored (used on paths that are already failing).
void remove_quietly(const std::string& path);

}  // namespace bcnn
