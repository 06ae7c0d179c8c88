// bcnn-eval on bad input: every problem ends with exit status 1 and one message naming the file.
#include <doctest/doctest.h>

#include <filesystem>

#include "cli.h"
#include "io/hdf5.h"
#include "io/model_file.h"
#include "train/config.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

// A valid (untrained) model of the tiny network, saved through the library.
void save_tiny_model(const std::string& path, const std::string& data_dir) {
  bcnn::TrainConfig config = bcnn::make_train_config(tiny_config(data_dir), "tiny.json");
  config.network->init_params(5);
  bcnn::save_model(path, {config.network.get(), config.resolved, json::object()});
}

void expect_eval_failure(const std::string& work_dir, const std::vector<std::string>& args,
                         const std::vector<std::string>& parts, int status = 1) {
  const auto before = list_tree(work_dir);
  ToolResult r = run_eval(args, work_dir);
  INFO(r.command, "\nstderr:\n", r.err, "\nstdout:\n", r.out);
  CHECK(r.signal == 0);
  CHECK(r.status == status);
  for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), "stderr lacks: " << part);
  CHECK(r.out.empty());
  CHECK(list_tree(work_dir) == before);
}

}  // namespace

TEST_CASE("bcnn-eval: unreadable, foreign and damaged model files are named") {
  TempDir tmp("eval-errors");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 20, 20);
  const std::string good = tmp.file("good.h5");
  save_tiny_model(good, data);
  {
    // The valid model evaluates, so the failures below are the files' fault.
    ToolResult r = run_eval({good, "--threads", "1", "--latency-samples", "5"}, tmp.str());
    INFO(r.err);
    REQUIRE(r.status == 0);
  }

  SUBCASE("missing file") {
    expect_eval_failure(tmp.str(), {tmp.file("absent.h5")}, {"bcnn-eval: error: ", "absent.h5", "no such file"});
  }
  SUBCASE("a directory") {
    expect_eval_failure(tmp.str(), {data}, {data, "directory"});
  }
  SUBCASE("a text file") {
    write_text(tmp.file("notes.h5"), "these are not the weights you are looking for\n");
    expect_eval_failure(tmp.str(), {tmp.file("notes.h5")}, {"notes.h5", "expected an HDF5 file"});
  }
  SUBCASE("an HDF5 file that is not a bcnn model") {
    {
      bcnn::h5::File f = bcnn::h5::File::create(tmp.file("foreign.h5"));
      f.write_attr("/", "creator", std::string("someone else"));
      f.create_group("/model_weights");
    }
    expect_eval_failure(tmp.str(), {tmp.file("foreign.h5")}, {"foreign.h5", "expected a bcnn model"});
  }
  SUBCASE("another format version") {
    {
      bcnn::h5::File f = bcnn::h5::File::create(tmp.file("future.h5"));
      f.write_attr("/", "format", std::string(bcnn::model_format_name));
      f.write_attr("/", "version", static_cast<std::int64_t>(99));
    }
    expect_eval_failure(tmp.str(), {tmp.file("future.h5")}, {"future.h5", "version 1", "found version 99"});
  }
  SUBCASE("a model without its weights") {
    {
      bcnn::h5::File f = bcnn::h5::File::create(tmp.file("hollow.h5"));
      f.write_attr("/", "format", std::string(bcnn::model_format_name));
      f.write_attr("/", "version", static_cast<std::int64_t>(bcnn::model_format_version));
      f.write_attr("/", "kind", std::string("model"));
      f.write_attr("/", "config", bcnn::make_train_config(tiny_config(data), "tiny.json").resolved.dump());
      f.write_attr("/", "training", std::string("{}"));
    }
    expect_eval_failure(tmp.str(), {tmp.file("hollow.h5")}, {"hollow.h5", "/layers/fc1/weight", "found nothing"});
  }
  SUBCASE("a truncated model") {
    fs::copy_file(good, tmp.file("half.h5"));
    fs::resize_file(tmp.file("half.h5"), fs::file_size(good) / 2);
    expect_eval_failure(tmp.str(), {tmp.file("half.h5")}, {"bcnn-eval: error: ", "half.h5"});
  }
  SUBCASE("missing data directory") {
    expect_eval_failure(tmp.str(), {good, "--data", tmp.file("nowhere")},
                        {"nowhere", "does not exist", "t10k-images-idx3-ubyte", "datasets/fetch_mnist.sh"});
  }
  SUBCASE("bad usage") {
    expect_eval_failure(tmp.str(), {good, "--batch", "0"}, {"--batch"}, 2);
  }
}

TEST_CASE("bcnn-eval: damaged bytes anywhere in a model never crash it") {
  TempDir tmp("eval-damaged");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 20, 20);
  const std::string good = tmp.file("good.h5");
  save_tiny_model(good, data);
  const auto size = fs::file_size(good);
  const std::string bytes = read_text(good);
  const int places = 24;
  int refused = 0;
  for (int i = 1; i <= places; ++i) {
    const std::size_t offset = size * i / (places + 1);
    std::string damaged = bytes;
    for (std::size_t j = offset; j < std::min<std::size_t>(offset + 16, damaged.size()); ++j) damaged[j] = '\x5a';
    const std::string path = tmp.file("damaged.h5");
    write_text(path, damaged);
    ToolResult r = run_eval({path, "--threads", "1", "--latency-samples", "2"}, tmp.str());
    CAPTURE(offset);
    INFO(r.err);
    CHECK(r.signal == 0);
    CHECK((r.status == 0 || r.status == 1));
    if (r.status == 1) {
      ++refused;
      CHECK(contains(r.err, "bcnn-eval: error: " + path));
    }
  }
  CHECK(refused > 0);  // the metadata is in there somewhere
}
