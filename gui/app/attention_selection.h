#pragma once
// The little of the Attention view a workspace needs: which layer and head are shown. Kept to the
// view's layerBox() / headBox() / meanOverHeadsBox() so the view can change inside freely.
class AttentionView;

struct AttentionSelection {
  int layer = 0;
  int head = 0;  // -1: the mean over heads
};

AttentionSelection attentionSelection(const AttentionView& view);
// Selects the layer and head (clamped to what the model has, as the boxes clamp).
void applyAttentionSelection(AttentionView& view, const AttentionSelection& selection);
