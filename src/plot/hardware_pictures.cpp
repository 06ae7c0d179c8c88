#include "plot/hardware_pictures.h"

#include <cstdio>
#include <vector>

#include "plot/bar_panel.h"
#include "plot/figure.h"

namespace bcnn::plot {
namespace {

struct ResourceKind {
  const char* name;
  std::int64_t Resources::*used;
  std::int64_t FpgaPart::*available;
};

// The resources the part has (URAM only on parts with UltraRAM).
std::vector<ResourceKind> resource_kinds(const FpgaPart& part) {
  std::vector<ResourceKind> kinds = {{"DSP", &Resources::dsp, &FpgaPart::dsp},
                                     {"BRAM18K", &Resources::bram18, &FpgaPart::bram18},
                                     {"LUT", &Resources::lut, &FpgaPart::lut},
                                     {"FF", &Resources::ff, &FpgaPart::ff}};
  if (part.uram > 0) kinds.push_back({"URAM", &Resources::uram, &FpgaPart::uram});
  return kinds;
}

double percent_of(std::int64_t used, std::int64_t available) {
  return available > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(available) : 0;
}

std::string design_title(const DesignEstimate& e, const std::string& what) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "%s: %s at %.4g MHz, %s architecture (estimate)", what.c_str(),
                e.part.name.c_str(), 1000.0 / e.clock_ns, architecture_name(e.architecture).c_str());
  return buffer;
}

}  // namespace

std::string resources_svg(const DesignEstimate& e) {
  const std::vector<ResourceKind> kinds = resource_kinds(e.part);
  Figure figure(design_title(e, "Resources"), 1, std::max(720.0, 90.0 * static_cast<double>(e.stages.size())), 330);

  BarPanel total;
  total.title = std::string("The whole design against the part's capacity") + (e.fits ? "" : ": does not fit");
  total.y_label = "% of the part";
  total.reference = 100;
  total.reference_label = "capacity of " + e.part.name;
  total.value_suffix = "%";
  BarSeries used{"used", {}, e.fits ? palette_color(0) : palette_color(3)};
  for (const ResourceKind& k : kinds) {
    char label[96];
    std::snprintf(label, sizeof label, "%s (%s of %s)", k.name, short_number(static_cast<double>(e.total.*k.used)).c_str(),
                  short_number(static_cast<double>(e.part.*k.available)).c_str());
    total.categories.push_back(label);
    used.values.push_back(percent_of(e.total.*k.used, e.part.*k.available));
  }
  total.series = {used};
  figure.add(std::move(total));

  BarPanel stages;
  stages.title = "Per stage, in % of the part";
  stages.y_label = "% of the part";
  stages.value_labels = e.stages.size() * kinds.size() <= 24;  // more would overlap; the tooltips have them
  for (const StageEstimate& s : e.stages) stages.categories.push_back(s.name);
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    BarSeries series{kinds[i].name, {}, palette_color(i)};
    for (const StageEstimate& s : e.stages)
      series.values.push_back(percent_of(s.resources.*kinds[i].used, e.part.*kinds[i].available));
    stages.series.push_back(std::move(series));
  }
  figure.add(std::move(stages));
  return figure.svg();
}

std::string pipeline_svg(const DesignEstimate& e) {
  Figure figure(design_title(e, "Pipeline"), 1, std::max(720.0, 70.0 * static_cast<double>(e.stages.size())), 330);
  const bool dataflow = e.architecture == Architecture::dataflow;
  char title[256];
  std::snprintf(title, sizeof title, "Initiation interval per stage: the slowest, %s, sets %.0f images/s",
                e.bottleneck_stage.c_str(), e.images_per_s);
  BarPanel ii;
  ii.title = title;
  ii.y_label = "cycles between two images";
  BarSeries ii_values{"initiation interval", {}, palette_color(0)};
  BarPanel latency;
  std::snprintf(title, sizeof title, "Latency per stage: %.4g us for one %s in all", e.latency_us,
                dataflow ? "image" : ("batch of " + std::to_string(e.batch)).c_str());
  latency.title = title;
  latency.y_label = "cycles";
  BarSeries latency_values{"latency", {}, palette_color(1)};
  for (std::size_t i = 0; i < e.stages.size(); ++i) {
    const StageEstimate& s = e.stages[i];
    ii.categories.push_back(s.name);
    latency.categories.push_back(s.name);
    ii_values.values.push_back(static_cast<double>(s.ii_cycles));
    latency_values.values.push_back(static_cast<double>(s.latency_cycles));
    if (s.name == e.bottleneck_stage) {
      ii.highlight = static_cast<int>(i);
      ii.highlight_label = "bottleneck";
    }
  }
  ii.series = {ii_values};
  latency.series = {latency_values};
  figure.add(std::move(ii));
  figure.add(std::move(latency));
  return figure.svg();
}

}  // namespace bcnn::plot
