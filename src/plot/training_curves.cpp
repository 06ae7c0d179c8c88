#include "plot/training_curves.h"

#include <cmath>
#include <limits>

#include "plot/figure.h"
#include "plot/line_panel.h"

namespace bcnn::plot {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double number_or_nan(const nlohmann::json& row, const char* key) {
  const auto it = row.find(key);
  return it != row.end() && it->is_number() ? it->get<double>() : nan;
}

// A run without validation images evaluates an empty set: loss and accuracy 0 in every row.
bool has_validation(const std::vector<nlohmann::json>& rows) {
  for (const auto& row : rows)
    if (number_or_nan(row, "val_accuracy") > 0 || number_or_nan(row, "val_loss") > 0) return true;
  return false;
}

// A series of `key` against epoch; `scale` multiplies the values (100 for percent).
Series series_of(const std::vector<nlohmann::json>& rows, const char* key, double scale, std::string name,
                 std::string color, std::string dash, std::string unit = "") {
  Series s;
  s.name = std::move(name);
  s.color = std::move(color);
  s.dash = std::move(dash);
  s.unit = std::move(unit);
  s.dots = rows.size() <= 40;
  for (const auto& row : rows) {
    s.x.push_back(number_or_nan(row, "epoch"));
    s.y.push_back(scale * number_or_nan(row, key));
  }
  return s;
}

LinePanel epoch_panel(std::string title, std::string y_label) {
  LinePanel panel;
  panel.title = std::move(title);
  panel.x_label = "epoch";
  panel.y_label = std::move(y_label);
  panel.x_integer = true;
  return panel;
}

}  // namespace

int best_epoch(const std::vector<nlohmann::json>& rows) {
  if (rows.empty()) return 0;
  if (!has_validation(rows)) return static_cast<int>(number_or_nan(rows.back(), "epoch"));
  int best = 0;
  double best_accuracy = -1;
  for (const auto& row : rows) {
    const double accuracy = number_or_nan(row, "val_accuracy");
    if (accuracy > best_accuracy) {
      best_accuracy = accuracy;
      best = static_cast<int>(number_or_nan(row, "epoch"));
    }
  }
  return best;
}

std::string training_curves_svg(const RunCurves& run) {
  const bool validation = has_validation(run.rows);
  const int best = best_epoch(run.rows);
  const std::string train_color = palette_color(0), val_color = palette_color(1);
  std::vector<VerticalMarker> markers;
  std::string best_text;
  if (best > 0) {
    for (const auto& row : run.rows)
      if (number_or_nan(row, "epoch") == best && validation) {
        char buffer[96];
        std::snprintf(buffer, sizeof buffer, "best: epoch %d, %.2f%%", best, 100 * number_or_nan(row, "val_accuracy"));
        best_text = buffer;
      }
    markers.push_back({static_cast<double>(best), best_text.empty() ? "epoch " + std::to_string(best) : best_text,
                       "#2ca02c"});
  }

  Figure figure(run.name, 3, 420, 300);
  LinePanel loss = epoch_panel("Loss", "cross-entropy");
  loss.series.push_back(series_of(run.rows, "train_loss", 1, "training", train_color, ""));
  if (validation) loss.series.push_back(series_of(run.rows, "val_loss", 1, "validation", val_color, ""));
  loss.y_include_min = 0;
  loss.markers = markers;
  if (!loss.markers.empty()) loss.markers.front().label.clear();  // named once, in the accuracy panel
  figure.add(std::move(loss));

  LinePanel accuracy = epoch_panel("Accuracy", "accuracy (%)");
  accuracy.series.push_back(series_of(run.rows, "train_accuracy", 100, "training", train_color, "", "%"));
  if (validation)
    accuracy.series.push_back(series_of(run.rows, "val_accuracy", 100, "validation", val_color, "", "%"));
  accuracy.y_include_max = 100;
  accuracy.markers = markers;
  figure.add(std::move(accuracy));

  LinePanel lr = epoch_panel("Learning rate", "learning rate (end of epoch)");
  lr.series.push_back(series_of(run.rows, "lr", 1, "learning rate", palette_color(4), ""));
  lr.y_include_min = 0;
  lr.markers = markers;
  if (!lr.markers.empty()) lr.markers.front().label.clear();
  figure.add(std::move(lr));
  return figure.svg();
}

std::string compare_runs_svg(const std::vector<RunCurves>& runs, const std::string& title) {
  Figure figure(title, 2, 520, 320);
  LinePanel val_accuracy = epoch_panel("Validation accuracy", "accuracy (%)");
  LinePanel val_loss = epoch_panel("Validation loss", "cross-entropy");
  LinePanel train_loss = epoch_panel("Training loss", "cross-entropy");
  LinePanel lr = epoch_panel("Learning rate", "learning rate (end of epoch)");
  val_loss.y_include_min = 0;
  train_loss.y_include_min = 0;
  lr.y_include_min = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunCurves& run = runs[i];
    const std::string& color = palette_color(i);
    // Each panel names every run, so that any one of them can be read alone.
    val_accuracy.series.push_back(series_of(run.rows, "val_accuracy", 100, run.name, color, "", "%"));
    val_loss.series.push_back(series_of(run.rows, "val_loss", 1, run.name, color, ""));
    train_loss.series.push_back(series_of(run.rows, "train_loss", 1, run.name, color, ""));
    lr.series.push_back(series_of(run.rows, "lr", 1, run.name, color, ""));
    const int best = best_epoch(run.rows);
    if (best > 0 && has_validation(run.rows)) val_accuracy.markers.push_back({static_cast<double>(best), "", color});
  }
  figure.add(std::move(val_accuracy));
  figure.add(std::move(val_loss));
  figure.add(std::move(train_loss));
  figure.add(std::move(lr));
  return figure.svg();
}

}  // namespace bcnn::plot
