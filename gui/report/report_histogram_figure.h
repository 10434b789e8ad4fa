#pragma once
// The report's activation histogram of one variant's worst module (the largest inf-norm among the
// modules that have an activation quantizer) with that quantizer's integer grid drawn over it: how
// many of the 2^b levels the bulk of the values gets. Built on the Outliers view's
// moduleHistogramFigure; kept in its own file so the Activations view's version can replace it.
#include <vector>

#include "report/report_document.h"
#include "report/report_input.h"

// The module chosen for a model: nullptr when it has no histogram at all. `quantizer` receives the
// matching activation quantizer, or nullptr when the site is not quantized.
const hopscope::ModuleAnalysis* worstQuantizedModule(const ReportModel& model,
                                                     const hopscope::QuantizerSummary** quantizer);

// The plot: histogram of the module, the grid levels and the range ends.
ReportPlot quantizedHistogramPlot(const ReportModel& model);
