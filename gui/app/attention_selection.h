#pragma once
// The little of the Attention view a workspace needs: which layer and head are shown, and the
// colour scale. Kept to the view's layerBox() / headBox() / meanOverHeadsBox() / colourScaleBox()
// so the view can change inside freely.
#include <QString>

#include "app/attention_colours.h"

class AttentionView;

struct AttentionSelection {
  int layer = 0;
  int head = 0;     // -1: the mean over heads
  QString colours;  // one of attentionColourNames(); empty: leave the scale as it is
};

AttentionSelection attentionSelection(const AttentionView& view);
// Selects the layer and head (clamped to what the model has, as the boxes clamp).
void applyAttentionSelection(AttentionView& view, const AttentionSelection& selection);
// Selects the colour scale of this name (nothing for an empty or unknown name).
void applyAttentionColours(AttentionView& view, const QString& colours);
