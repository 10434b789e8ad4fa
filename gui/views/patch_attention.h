#pragma once
// Pure functions turning an image run's attention probabilities into patch maps for the attention
// grid's image panes: one query's attention over the patch grid (the query being the class token or
// a patch), or the no-op mass 1 − Σp of every patch's query, drawn over the image as the model saw
// it. Token 0 is the class token; patch (row, column) is token 1 + row · gridWidth + column (the
// order in which the ViT flattens its patch embeddings). No widgets.
#include <QImage>
#include <QString>

#include "hopscope/loaded_model.h"
#include "plots/heatmap_plot.h"

namespace patch_attention {

// The query shown in image panes: the class token (row < 0) or the patch at (row, column).
struct PatchQuery {
  int row = -1, column = -1;
  bool isClassToken() const { return row < 0 || column < 0; }
  bool operator==(const PatchQuery& o) const { return row == o.row && column == o.column; }
  bool operator!=(const PatchQuery& o) const { return !(*this == o); }
};

// The query's token index in `run` (0 for the class token), or -1 when the patch is outside its grid.
int queryToken(const hopscope::ImageRunResult& run, PatchQuery query);

// "class token" or "patch (row, column)".
QString queryText(PatchQuery query);

// The model's input image (8-bit grey or RGB, as preprocessed) as a QImage; null when empty.
QImage inputImage(const hopscope::DecodedImage& image);

// p(query → key) of one head, or the mean over heads (head < 0), summed in double.
double probability(const hopscope::AttentionProbabilities& attention, int head, int query, int key);

// Layer `layer`, head `head` (-1: the mean): the attention of token `query` over the patches, as a
// gridHeight × gridWidth map over the input image; classTokenWeight and noOpMass hold the query's
// weight on the class token and 1 − Σ_k p. Titles are left empty. Requires a valid layer, head
// and query.
HeatmapData queryMap(const hopscope::ImageRunResult& run, int layer, int head, int query);

// The no-op mass 1 − Σ_k p of every patch's query row as a gridHeight × gridWidth map over the
// input image; noOpMass holds the class token's own no-op mass, classTokenWeight is NaN.
HeatmapData noOpMap(const hopscope::ImageRunResult& run, int layer, int head);

}  // namespace patch_attention
