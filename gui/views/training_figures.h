#pragma once
// The Training view's curves as Figure data (plots/figure.h), built from training records: the lines
// of training_log.jsonl, which the engine also hands over live (hopscope/trainer.h). One curve per
// run against the optimizer step, in the run's palette colour.
#include <QString>

#include <vector>

#include <nlohmann/json.hpp>

#include "plots/figure.h"

// One run's records and how it is drawn.
struct TrainingCurves {
  QString name;    // the legend entry: the run's folder name
  QString family;  // model family (registry name): the notes quote its outlier protocol
  int slot = 0;    // palette slot (model_palette.h)
  std::vector<nlohmann::json> records;  // {"step", "loss", "eval": {"loss", "summary": {...}}, ...}
};

// Training loss (the mean over the steps since the previous evaluation; solid line with markers)
// and held-out loss (ln of the held-out perplexity; dashed), two curves per run, linear y axis.
Figure trainingLossFigure(const std::vector<TrainingCurves>& runs);
// The outlier protocol's avg_kurtosis / max_inf_norm on the held-out blocks, log y axis.
Figure averageKurtosisFigure(const std::vector<TrainingCurves>& runs);
Figure maxInfNormFigure(const std::vector<TrainingCurves>& runs);
