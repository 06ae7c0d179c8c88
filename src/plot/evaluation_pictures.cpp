#include "plot/evaluation_pictures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "plot/bar_panel.h"
#include "plot/figure.h"
#include "plot/heat_map_panel.h"
#include "plot/line_panel.h"

namespace bcnn::plot {
namespace {

// At most this many logits in the scatter of fixed against float (every image's logits up to it),
// so that the picture stays small.
constexpr std::size_t scatter_points = 2000;

std::string percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100 * fraction);
  return buffer;
}

std::string model_title(const nlohmann::json& report, const std::string& what) {
  return what + ": " + report.value("model", std::string("model")) + " on " + report.value("dataset", std::string()) +
         " test (" + std::to_string(report.value("images", 0)) + " images)";
}

std::string confusion_svg(const nlohmann::json& report) {
  const auto names = report.at("class_names").get<std::vector<std::string>>();
  const std::size_t C = names.size();
  Figure figure(model_title(report, "Accuracy " + percent(report.at("accuracy").get<double>())), 2, 560, 520);
  HeatMapPanel heat;
  heat.title = "Confusion matrix (counts)";
  heat.x_label = "predicted class";
  heat.y_label = "true class";
  heat.row_labels = names;
  heat.column_labels = names;
  for (const auto& row : report.at("confusion"))
    for (const auto& count : row) heat.values.push_back(count.get<double>());
  heat.values.resize(C * C, 0);
  figure.add(std::move(heat));

  BarPanel classes;
  classes.title = "Accuracy per class";
  classes.y_label = "accuracy (%)";
  classes.categories = names;
  BarSeries accuracy{"accuracy", {}, palette_color(0)};
  for (const auto& a : report.at("class_accuracy")) accuracy.values.push_back(100 * a.get<double>());
  classes.series.push_back(std::move(accuracy));
  classes.reference = 100 * report.at("accuracy").get<double>();
  classes.reference_label = "overall " + percent(report.at("accuracy").get<double>());
  classes.y_max = 100;
  figure.add(std::move(classes));
  return figure.svg();
}

std::string layers_svg(const nlohmann::json& report) {
  Figure figure(model_title(report, "Layers"), 1, 900, 340);
  // Parameters of the layers that have any; time of every layer.
  std::vector<std::string> parameter_names, names;
  BarSeries params{"parameters", {}, palette_color(0)}, dense{"dense equivalent", {}, palette_color(7)};
  BarSeries time{"forward time per image", {}, palette_color(1)};
  for (const auto& layer : report.at("layers")) {
    const std::string name = layer.at("name").get<std::string>() + " (" + layer.at("type").get<std::string>() + ")";
    names.push_back(name);
    time.values.push_back(layer.at("forward_us_per_image").get<double>());
    if (layer.at("params").get<double>() == 0) continue;
    parameter_names.push_back(name);
    params.values.push_back(layer.at("params").get<double>());
    dense.values.push_back(layer.at("dense_params").get<double>());
  }
  BarPanel parameter_panel;
  char title[160];
  std::snprintf(title, sizeof title, "Parameters per layer: %s in all, %.1fx fewer than dense",
                short_number(report.at("params").get<double>()).c_str(), report.at("compression").get<double>());
  parameter_panel.title = title;
  parameter_panel.y_label = "parameters";
  parameter_panel.categories = parameter_names;
  parameter_panel.series = {params, dense};
  figure.add(std::move(parameter_panel));

  BarPanel time_panel;
  std::snprintf(title, sizeof title, "Forward time per image at batch %d, %d threads (microseconds)",
                report.value("batch", 0), report.value("threads", 0));
  time_panel.title = title;
  time_panel.y_label = "time per image (us)";
  time_panel.categories = names;
  time_panel.series = {time};
  figure.add(std::move(time_panel));
  return figure.svg();
}

std::string fixed_svg(const nlohmann::json& report, const LogitPairs& pairs) {
  const nlohmann::json& f = report.at("fixed");
  Figure figure(model_title(report, "Fixed point against float"), 2, 520, 400);
  LinePanel scatter;
  char title[160];
  std::snprintf(title, sizeof title, "Logit error: largest |fixed - float| %.3g", f.at("max_logit_error").get<double>());
  scatter.title = title;
  scatter.x_label = "float logit";
  scatter.y_label = "fixed-point logit - float logit";
  const std::size_t n = std::min({pairs.float_logits.size(), pairs.fixed_logits.size(), scatter_points});
  Series points;
  points.name = "one logit of one image (" + std::to_string(n) + ")";
  points.dots_only = true;
  points.color = palette_color(0);
  double lo = 0, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    points.x.push_back(pairs.float_logits[i]);
    points.y.push_back(static_cast<double>(pairs.fixed_logits[i]) - pairs.float_logits[i]);
    lo = std::min(lo, static_cast<double>(pairs.float_logits[i]));
    hi = std::max(hi, static_cast<double>(pairs.float_logits[i]));
  }
  Series zero;
  zero.name = "no error";
  zero.color = palette_color(3);
  zero.dash = "5 3";
  zero.x = {lo, hi};
  zero.y = {0, 0};
  scatter.series = {points, zero};
  figure.add(std::move(scatter));

  BarPanel accuracy;
  accuracy.title = "Same class as float on " + percent(f.at("agreement").get<double>()) + " of images";
  accuracy.y_label = "accuracy (%)";
  accuracy.categories = {"float", "fixed point"};
  BarSeries values{"accuracy", {100 * f.at("float_accuracy").get<double>(), 100 * f.at("accuracy").get<double>()},
                   palette_color(0)};
  if (report.contains("hls")) {
    accuracy.categories.push_back("C simulation");
    values.values.push_back(100 * report["hls"].at("accuracy").get<double>());
  }
  accuracy.series = {values};
  accuracy.value_suffix = "%";
  accuracy.y_max = 100;
  figure.add(std::move(accuracy));
  return figure.svg();
}

}  // namespace

std::vector<Picture> evaluation_pictures(const nlohmann::json& report, const LogitPairs* pairs) {
  std::vector<Picture> pictures = {{"confusion.svg", confusion_svg(report)}, {"layers.svg", layers_svg(report)}};
  if (report.contains("fixed") && pairs) pictures.push_back({"fixed.svg", fixed_svg(report, *pairs)});
  return pictures;
}

}  // namespace bcnn::plot
