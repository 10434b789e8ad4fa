#pragma once
// The Activations view's plots as Figure data (plots/figure.h): the symmetric-log histogram of one
// module for every variant (one model's outlier analysis and quantization study, paired by palette
// slot), overlaid or one figure per variant on shared axes, with the activation quantizer's grid
// of that module drawn over it: the calibrated range, its 2^b levels and the clipped tails. Also
// the module <-> quantizer matching, the grid levels, and what a variant's results were computed
// with. Pure functions of result values; no widgets.
#include <QString>
#include <QStringList>

#include <cstddef>
#include <vector>

#include "hopscope/model_analysis.h"
#include "hopscope/quantization_study.h"
#include "plots/figure.h"
#include "views/outlier_figures.h"
#include "views/result_status.h"

// One model as this view shows it: its latest outlier analysis and quantization study (either may
// be missing), its palette slot, and whether each result is pending or was computed with other
// settings than the settings row's (the main window's statuses, result_status.h).
struct ActivationVariant {
  hopscope::ModelAnalysisPtr analysis;
  hopscope::QuantizationStudyPtr study;
  int slot = 0;
  ResultStatus analysisStatus, quantizationStatus;

  bool analysisPending() const { return analysisStatus.state == ResultStatus::State::Pending; }
  bool quantizationPending() const { return quantizationStatus.state == ResultStatus::State::Pending; }
  bool analysisStale() const { return analysisStatus.state == ResultStatus::State::Stale; }
  bool quantizationStale() const { return quantizationStatus.state == ResultStatus::State::Stale; }
};

// Pairs analyses and studies by palette slot (missing slots: the index), in slot order.
std::vector<ActivationVariant> pairVariants(const std::vector<hopscope::ModelAnalysisPtr>& analyses,
                                            const std::vector<int>& analysisSlots,
                                            const std::vector<hopscope::QuantizationStudyPtr>& studies,
                                            const std::vector<int>& studySlots);

// A variant's name leading with what differs between variants: the normalizer and gate, then the
// checkpoint folder ("softmax1 + mlp gate · bert-tiny-gated"); "model N" without any name.
QString variantLabel(const hopscope::ModelInfo& info, std::size_t index);

// The activation quantizer of `study` that quantizes the module's tensor, or nullptr. The rule
// (checked on the BERT and OPT tap and quantizer tables): the quantizer whose site is the module's
// name; else, for a module that is another name of a tensor tapped under `aliasOf` (BERT
// `layer.N.output` = `layer.N.output.LayerNorm`, OPT `layers.N.self_attn_layer_norm.input` =
// `layers.N-1`), the quantizer of that name. Modules without either are not quantized (BERT
// `intermediate.dense` before GELU, OPT `fc1` before ReLU and the embedding lookups, the MLM head);
// quantizer sites without a module are the attention scores and probabilities.
const hopscope::QuantizerSummary* activationQuantizerFor(const hopscope::QuantizationStudy& study,
                                                         const hopscope::ModuleAnalysis& module);

// The values an activation quantizer can output: Δ·(k − z) for k = 0 … 2^b − 1 (science.md
// section 6), ascending; empty for a grid that is not one (no bits, Δ ≤ 0, more than 16 bits).
std::vector<double> gridLevels(const hopscope::QuantizerSummary& quantizer);

// The smallest stride n (1, 2, 4, …) such that drawing the levels k with (k − z) divisible by n
// leaves at least minPixels between neighbours inside [low, high] on a symlog axis (threshold)
// that is `pixels` wide.
int gridStride(const hopscope::QuantizerSummary& quantizer, double threshold, double low, double high, int pixels,
               double minPixels = 3);

// Which subject of a histogramSubjects() list lies where: its layer (-1: outside the layers) and role.
struct SubjectPlace {
  int layer = -1;
  hopscope::SiteRole role = hopscope::SiteRole::Other;
};
SubjectPlace subjectPlace(const HistogramSubject& subject, const std::vector<hopscope::ModelAnalysisPtr>& models);

// The subject showing the module of the highest kurtosis over every model (for models of several
// families, its per-layer subject when there is one); -1 when no module has a kurtosis. `what`
// receives a description ("bert.encoder.layer.1.output.dense, kurtosis 51.2 in softmax · bert").
int worstSubject(const std::vector<HistogramSubject>& subjects, const std::vector<hopscope::ModelAnalysisPtr>& models,
                 QString* what = nullptr);

// What a result was computed with, in one line.
QString analysisSettingsText(const hopscope::ModelAnalysis& analysis);
QString quantizationSettingsText(const hopscope::QuantizationStudy& study);

struct ActivationPlotOptions {
  bool sideBySide = false;  // one figure per variant (shared axes) instead of one with every curve
  bool fractions = false;   // y: fraction of the variant's values per bin instead of the count
  bool grid = true;         // the quantization grid over the histogram
  int plotWidth = 900;      // pixels of one plot: how many grid levels can be told apart
};

// The figures to draw: one (overlaid) or one per variant with a histogram (side by side, in
// variant order; the variants without one are named in the first figure's note). Every figure has
// the same x and y ranges. Legend entries carry the variant's kurtosis and max |x| of the module and,
// when its quantizer is known, the range, step, levels holding 99 % of the values and the clipped
// fraction.
std::vector<Figure> activationFigures(const std::vector<ActivationVariant>& variants, const HistogramSubject& subject,
                                      const ActivationPlotOptions& options);
