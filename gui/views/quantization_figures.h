#pragma once
// The Quantization view's plots as Figure data (plots/figure.h), built from the per-model
// `quantize` JSON objects (elements of the `models` array of `hopscope-cli quantize --json`): the
// SQNR of every activation quantizer, and the quantized metric versus bit width. Every JSON read
// behind these plots is in here. paletteSlots[i] is models[i]'s palette slot (model_palette.h; missing: i).
#include <QString>

#include <vector>

#include <nlohmann/json.hpp>

#include "plots/figure.h"

// One line per model over its activation quantizers in forward order (sites with an infinite or
// missing SQNR, i.e. exact, are left out); the site names are the x ticks when every model has the
// same sites. The note names each model's three lowest sites.
Figure sqnrFigure(const std::vector<nlohmann::json>& models, const std::vector<int>& paletteSlots);

// The quantized metric over the bits that vary in the sweep (activation bits when both do), one
// curve per model and (estimator, fixed bit width), plus the float metric as a dashed line; log y
// axis when every metric is a perplexity.
Figure bitWidthSweepFigure(const std::vector<nlohmann::json>& models, const std::vector<int>& paletteSlots);

// "bert.encoder.layer.3.output.dense" → "L3 output.dense", "model.decoder.layers.1" → "L1 output",
// "model.decoder.final_layer_norm" → "final_layer_norm": short enough for a slanted tick label.
QString abbreviatedSite(const QString& site);
