#pragma once
// The Quantization view's plots as Figure data (plots/figure.h), built from the engine's
// quantization studies (hopscope/quantization_study.h): the SQNR of every activation quantizer, and
// the quantized metric versus bit width. paletteSlots[i] is models[i]'s palette slot (model_palette.h; missing: i).
#include <QString>

#include <vector>

#include "hopscope/quantization_study.h"
#include "plots/figure.h"

// One line per model over its activation quantizers in forward order (sites with an infinite or
// missing SQNR, i.e. exact, are left out); the site names are the x ticks when every model has the
// same sites. The note names each model's three lowest sites.
Figure sqnrFigure(const std::vector<hopscope::QuantizationStudyPtr>& models, const std::vector<int>& paletteSlots);

// The quantized metric over the bits that vary in the sweep (activation bits when both do), one
// curve per model and (estimator, fixed bit width), plus the float metric as a dashed line; log y
// axis when every metric is a perplexity.
Figure bitWidthSweepFigure(const std::vector<hopscope::QuantizationStudyPtr>& models, const std::vector<int>& paletteSlots);

// A quantizer's site, short enough for a slanted tick label: the engine's short name ("L3
// output.dense", "final_layer_norm"), a layer itself as "L1 output".
QString shortSiteName(const hopscope::QuantizerSummary& quantizer);
