#pragma once
// Pictures of training: one run's curves (bcnn-train's curves.svg: loss, accuracy and learning
// rate against epoch, the best epoch marked) and several runs on one chart (bcnn-plot), both
// drawn from the rows of the runs' metrics.jsonl.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bcnn::plot {

struct RunCurves {
  std::string name;                    // in legends and titles
  std::vector<nlohmann::json> rows;    // metrics.jsonl rows in epoch order
};

// The epoch bcnn-train keeps as best.h5: the first of the highest validation accuracy, or the last
// epoch when the run holds no validation images; 0 without rows.
int best_epoch(const std::vector<nlohmann::json>& rows);

// Three panels: loss (training and validation), accuracy in percent (training and validation) and
// the learning rate against epoch, the best epoch marked in each.
std::string training_curves_svg(const RunCurves& run);

// Several runs on one chart: validation accuracy, validation loss, training loss and the learning
// rate against epoch, a color per run (training dashed beside validation where both are drawn).
std::string compare_runs_svg(const std::vector<RunCurves>& runs, const std::string& title);

}  // namespace bcnn::plot
