// Checked, durable writes: on a full disk (a small tmpfs) or past a file-size limit, every writer
// fails with the file and the cause, keeps the previous file byte for byte and leaves no temporary.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli.h"
#include "full_disk.h"
#include "io/durable_file.h"
#include "io/model_file.h"
#include "io/npy.h"
#include "net/network.h"

namespace {

using bcnn::testing::contains;
using bcnn::testing::error_message;
using bcnn::testing::read_text;
using bcnn::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

std::unique_ptr<bcnn::Network> small_network() {
  json description = {{"format", "bcnn-network"},
                      {"version", 1},
                      {"input", {1, 8, 8}},
                      {"layers",
                       {{{"type", "flatten"}},
                        {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 64}, {"block", 8}},
                        {{"type", "relu"}},
                        {{"type", "dense"}, {"name", "out"}, {"units", 10}}}}};
  auto net = bcnn::Network::build(description, "durable.json");
  net->init_params(3);
  return net;
}

bool has_temporary_file(const std::string& dir) {
  for (const auto& name : bcnn::testing::list_tree(dir))
    if (name.find(".tmp-") != std::string::npos) return true;
  return false;
}

// The files every writer produces once, then tries to replace (or extend) where writes now fail
// with `cause`.
struct Outputs {
  std::string dir, text, lines, npy, model;
  std::string text_bytes, lines_bytes, npy_bytes, model_bytes;

  explicit Outputs(const std::string& d)
      : dir(d), text(d + "/config.json"), lines(d + "/metrics.jsonl"), npy(d + "/logits.npy"), model(d + "/best.h5") {
    auto net = small_network();
    bcnn::write_file_atomically(text, "{\"first\": true}\n");
    bcnn::append_line_durably(lines, "{\"epoch\": 1}");
    std::vector<float> logits(40, 0.5f);
    bcnn::write_npy(npy, logits.data(), {4, 10});
    bcnn::save_model(model, {net.get(), net->description(), json::object()});
    text_bytes = read_text(text);
    lines_bytes = read_text(lines);
    npy_bytes = read_text(npy);
    model_bytes = read_text(model);
    REQUIRE(lines_bytes == "{\"epoch\": 1}\n");
  }

  void check_every_writer_fails(const std::string& cause) {
    const std::string big(64 * 1024, 'y');
    auto expect = [&](const std::string& path, const std::string& message) {
      CAPTURE(message);
      CHECK(contains(message, path));
      CHECK(contains(message, cause));
    };
    expect(text, error_message([&] { bcnn::write_file_atomically(text, big); }));
    // A new file in a staging directory: refused, and the partial file is gone.
    const std::string staged = dir + "/staged.h";
    expect(staged, error_message([&] { bcnn::write_new_file_durably(staged, big); }));
    CHECK_FALSE(fs::exists(staged));
    expect(lines, error_message([&] { bcnn::append_line_durably(lines, big); }));
    std::vector<float> logits(32 * 1024, 1.5f);
    expect(npy, error_message([&] { bcnn::write_npy(npy, logits.data(), {1024, 32}); }));
    auto net = small_network();
    json big_config = net->description();
    big_config["description"] = big;  // makes the model file bigger than the room left
    expect(model, error_message([&] { bcnn::save_model(model, {net.get(), big_config, json::object()}); }));

    CHECK(read_text(text) == text_bytes);
    CHECK(read_text(lines) == lines_bytes);  // no partial line
    CHECK(read_text(npy) == npy_bytes);
    CHECK(read_text(model) == model_bytes);
    CHECK_FALSE(has_temporary_file(dir));
    CHECK(bcnn::load_model(model).network->params().size() == net->params().size());
  }
};

}  // namespace

TEST_CASE("durable file: a write replaces the whole file, an append adds whole lines, no temporary file stays") {
  TempDir tmp("durable");
  const std::string path = tmp.file("config.json");
  bcnn::write_file_atomically(path, "long first version\n");
  bcnn::write_file_atomically(path, "second\n");
  CHECK(read_text(path) == "second\n");
  bcnn::write_file_atomically(path, "");
  CHECK(read_text(path).empty());
  const std::string lines = tmp.file("metrics.jsonl");
  bcnn::append_line_durably(lines, "{\"epoch\": 1}");
  bcnn::append_line_durably(lines, "{\"epoch\": 2}");
  CHECK(read_text(lines) == "{\"epoch\": 1}\n{\"epoch\": 2}\n");
  bcnn::copy_file_atomically(lines, tmp.file("copy.jsonl"));
  CHECK(read_text(tmp.file("copy.jsonl")) == read_text(lines));
  CHECK_FALSE(has_temporary_file(tmp.str()));
  // A missing directory is named with the cause.
  const std::string message = error_message([&] { bcnn::write_file_atomically(tmp.file("absent/x.json"), "{}"); });
  CHECK(contains(message, tmp.file("absent/x.json")));
  CHECK(contains(message, "No such file or directory"));
}

TEST_CASE("durable file: on a full disk every writer names the file and the cause and keeps the previous file") {
  TempDir tmp("durable-full");
  bcnn::testing::SmallTmpfs disk(tmp.file("disk"), 512 * 1024);
  if (!disk.mounted()) {
    MESSAGE("skipped: cannot mount a tmpfs here (" << disk.why_not() << "); the file-size-limit test covers the same "
                                                                      "paths without root");
    return;
  }
  Outputs outputs(tmp.file("disk"));
  bcnn::testing::fill_disk(tmp.file("disk"), 0);
  REQUIRE(bcnn::testing::free_bytes(tmp.file("disk")) < 4096);
  outputs.check_every_writer_fails("No space left on device");
}

TEST_CASE("durable file: past a file-size limit every writer names the file and the cause (no root needed)") {
  TempDir tmp("durable-fsize");
  Outputs outputs(tmp.str());
  // RLIMIT_FSIZE makes writes past the limit fail with EFBIG (after SIGXFSZ, ignored here): the
  // same failing write(2) as a full disk, in this process.
  bcnn::testing::FileSizeLimit limit(16 * 1024);
  outputs.check_every_writer_fails("File too large");
}
