// The pictures end to end: bcnn-train's curves.svg (a resumed run continues it), bcnn-eval --svg,
// bcnn-compile's report pictures and bcnn-plot, each well-formed and rendered by rsvg-convert;
// bcnn-plot's errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli.h"
#include "plot/svg_check.h"
#include "plot/training_curves.h"

namespace {

namespace fs = std::filesystem;
using namespace bcnn::testing;
using nlohmann::json;

std::string plot_exe() { return BCNN_PLOT_EXE; }

// A tiny run of `epochs` epochs into `out`, with `extra` arguments.
ToolResult train(const std::string& config, const std::string& out, const std::string& work,
                 const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{config, "--out", out, "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_train(args, work);
}

}  // namespace

TEST_CASE("training curves: best epoch as bcnn-train keeps it, and a run without validation") {
  auto rows = [](std::vector<double> accuracies) {
    std::vector<json> r;
    for (std::size_t i = 0; i < accuracies.size(); ++i)
      r.push_back({{"epoch", i + 1}, {"val_accuracy", accuracies[i]}, {"val_loss", 1.0}, {"train_loss", 1.0}});
    return r;
  };
  CHECK(bcnn::plot::best_epoch(rows({0.5, 0.7, 0.7, 0.6})) == 2);  // the first of equals, as best.h5
  CHECK(bcnn::plot::best_epoch({}) == 0);
  std::vector<json> no_validation;
  for (int e = 1; e <= 3; ++e) no_validation.push_back({{"epoch", e}, {"val_accuracy", 0.0}, {"val_loss", 0.0}});
  CHECK(bcnn::plot::best_epoch(no_validation) == 3);  // every epoch is best without validation: the last
  // No validation: no validation curves.
  const std::string svg = bcnn::plot::training_curves_svg({"t", no_validation});
  CHECK_FALSE(contains(svg, "validation"));
}

TEST_CASE("bcnn-train writes curves.svg after every epoch, and a resumed run continues the same picture") {
  TempDir tmp("curves");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 100);
  json config = tiny_config(data);
  config["train"]["epochs"] = 3;
  const std::string path = write_json(tmp.file("net.json"), config);
  const std::string out = tmp.file("run");
  // Stopped inside epoch 2 (epoch 1 has 16 steps of 32 of its 500 training images), then resumed.
  ToolResult first = train(path, out, tmp.str(), {"--max-steps", "20"});
  INFO(first.err);
  REQUIRE(first.status == 0);
  const std::string curves = out + "/curves.svg";
  REQUIRE(fs::exists(curves));
  CHECK(contains(read_text(curves), "training: 1 epoch"));
  CHECK_FALSE(contains(read_text(curves), "training: 2 epoch"));
  ToolResult resumed = train(path, out, tmp.str(), {"--resume", out + "/checkpoint.h5"});
  INFO(resumed.err);
  REQUIRE(resumed.status == 0);
  const std::string svg = read_text(curves);
  for (const char* point : {"training: 1 epoch", "training: 2 epoch", "training: 3 epoch", "validation: 1 epoch",
                            "validation: 3 epoch"})
    CHECK_MESSAGE(contains(svg, point), point);
  CHECK(contains(svg, "best: epoch "));
  check_svg_renders(curves);
  // --force replaces the run, its picture included.
  CHECK(train(path, out, tmp.str(), {"--force", "--epochs", "1"}).status == 0);
  CHECK_FALSE(contains(read_text(curves), "training: 2 epoch"));
}

TEST_CASE("bcnn-eval --svg and bcnn-compile draw their pictures, and bcnn-plot compares runs") {
  TempDir tmp("pictures");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 600, 100);
  const std::string path = write_json(tmp.file("net.json"), tiny_config(data));
  REQUIRE(train(path, tmp.file("a"), tmp.str()).status == 0);
  REQUIRE(train(path, tmp.file("b"), tmp.str(), {"--lr", "0.003"}).status == 0);

  SUBCASE("bcnn-eval --svg, with --fixed") {
    ToolResult r = run_eval({tmp.file("a") + "/best.h5", "--fixed", "--svg", tmp.file("svg"), "--latency-samples",
                             "5"},
                            tmp.str());
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(list_tree(tmp.file("svg")) == std::set<std::string>{"confusion.svg", "layers.svg", "fixed.svg"});
    for (const char* name : {"confusion.svg", "layers.svg", "fixed.svg"}) check_svg_renders(tmp.file("svg/") + name);
    CHECK(contains(read_text(tmp.file("svg/confusion.svg")), "Confusion matrix"));
    CHECK(contains(read_text(tmp.file("svg/layers.svg")), "fc1 (bc_dense)"));
    // Without --fixed no fixed.svg; a --svg path that is a file is refused.
    ToolResult plain = run_eval({tmp.file("a") + "/best.h5", "--svg", tmp.file("svg2"), "--latency-samples", "5"},
                                tmp.str());
    CHECK(plain.status == 0);
    CHECK(list_tree(tmp.file("svg2")) == std::set<std::string>{"confusion.svg", "layers.svg"});
    write_text(tmp.file("file"), "x");
    ToolResult bad = run_eval({tmp.file("a") + "/best.h5", "--svg", tmp.file("file"), "--latency-samples", "5"},
                              tmp.str());
    CHECK(bad.status == 1);
    CHECK(contains(bad.err, "bcnn-eval: error: " + tmp.file("file") + ": cannot create the --svg directory"));
  }
  SUBCASE("bcnn-compile's report pictures") {
    ToolResult r = run_tool(compile_exe(), {tmp.file("a") + "/best.h5", "-o", tmp.file("hls"), "--tb-images", "8"},
                            tmp.str());
    INFO(r.err);
    REQUIRE(r.status == 0);
    for (const char* name : {"report_resources.svg", "report_pipeline.svg"}) {
      check_svg_renders(tmp.file("hls/") + name);
      CHECK(contains(read_text(tmp.file("hls/report.md")), std::string("](") + name + ")"));
    }
    CHECK(contains(read_text(tmp.file("hls/report_pipeline.svg")), ">bottleneck<"));
    CHECK(contains(read_text(tmp.file("hls/report_resources.svg")), "capacity of "));
  }
  SUBCASE("bcnn-plot: runs on one chart, and its errors") {
    ToolResult r = run_tool(plot_exe(), {tmp.file("a"), tmp.file("b") + "/metrics.jsonl", "-o", tmp.file("cmp.svg")},
                            tmp.str());
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "wrote " + tmp.file("cmp.svg") + " (2 runs)"));
    const std::string svg = read_text(tmp.file("cmp.svg"));
    CHECK(contains(svg, ">a</text>"));
    CHECK(contains(svg, ">b</text>"));
    check_svg_renders(tmp.file("cmp.svg"));

    // Each error: one message naming what is wrong, exit status 1, no output written.
    auto refused = [&](const std::vector<std::string>& args, const std::string& message) {
      ToolResult e = run_tool(plot_exe(), args, tmp.str());
      INFO(e.err);
      CHECK(e.status == 1);
      CHECK(lines_with(e.err, "bcnn-plot: error: ").size() == 1);
      CHECK(contains(e.err, message));
      CHECK_FALSE(fs::exists(tmp.file("none.svg")));
    };
    refused({tmp.file("missing"), "-o", tmp.file("none.svg")}, tmp.file("missing") + ": no such run directory or metrics.jsonl");
    fs::create_directories(tmp.file("not_a_run"));
    refused({tmp.file("not_a_run"), "-o", tmp.file("none.svg")},
            tmp.file("not_a_run") + "/metrics.jsonl: cannot read the metrics: No such file");
    refused({tmp.file("a"), tmp.file("b"), "--name", "x", "-o", tmp.file("none.svg")},
            "--name: expected one name per run (2), found 1");
    write_text(tmp.file("empty.jsonl"), "");
    refused({tmp.file("empty.jsonl"), "-o", tmp.file("none.svg")}, "empty.jsonl: holds no metrics rows");
    refused({tmp.file("a"), "-o", tmp.file("cmp.svg")}, "cmp.svg: exists; choose another output file or pass --force");
  }
}
