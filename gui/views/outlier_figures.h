#pragma once
// The Outliers view's plots as Figure data (plots/figure.h), built from the engine's analysis
// results (hopscope/model_analysis.h): the per-layer kurtosis / inf-norm of the block and FFN
// outputs (selected by role, so any family works), and the symmetric-log histogram of one module.
// paletteSlots[i] is models[i]'s palette slot (model_palette.h; missing: i).
#include <QString>
#include <QStringList>

#include <vector>

#include "hopscope/model_analysis.h"
#include "plots/figure.h"

// The figures of the per-layer plot, in the selector's order (layerFigureNames()).
enum class LayerFigure { BlockKurtosis, BlockInfNorm, FfnKurtosis, FfnInfNorm };
QStringList layerFigureNames();

// The role of the modules a figure plots: each layer's block output or FFN output.
hopscope::SiteRole layerFigureRole(LayerFigure figure);

// One line per model over the layers (log y axis); models without such layers are named in the note.
Figure perLayerFigure(const std::vector<hopscope::ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots,
                      LayerFigure figure);

// What the histogram shows: one module by name, or, when the models are of several families (and
// so share no module names), each model's own block or FFN output of one layer.
struct HistogramSubject {
  QString label;    // as the selector lists it
  QString tooltip;  // empty when there is nothing to add
  QString module;   // the module's name; empty for a per-layer subject
  LayerFigure layerFigure = LayerFigure::FfnKurtosis;  // per-layer subject: BlockKurtosis or FfnKurtosis
  int layer = -1;                                      // per-layer subject: the layer
};

struct HistogramSubjects {
  std::vector<HistogramSubject> entries;  // per-layer subjects first, then every module name once
  int preferred = 0;  // the last layer's FFN output: where the outliers of these models usually are
};
HistogramSubjects histogramSubjects(const std::vector<hopscope::ModelAnalysisPtr>& models);

// The module a subject names in one model: by name, or the model's own module of the subject's role
// in its layer; nullptr when the model has none.
const hopscope::ModuleAnalysis* histogramSubjectModule(const hopscope::ModelAnalysis& model,
                                                       const HistogramSubject& subject);

// One step curve per model that has a histogram for the subject: the fraction of its values per
// bin over the activation value on a symlog axis (log y axis); the others are named in the note.
Figure moduleHistogramFigure(const std::vector<hopscope::ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots,
                             const HistogramSubject& subject);
