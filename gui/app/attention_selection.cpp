#include "app/attention_selection.h"

#include <QCheckBox>
#include <QSpinBox>

#include "views/attention_view.h"

AttentionSelection attentionSelection(const AttentionView& view) {
  AttentionSelection selection;
  selection.layer = view.layerBox()->value();
  const bool mean = view.meanOverHeadsBox() && view.meanOverHeadsBox()->isChecked();
  selection.head = mean ? -1 : view.headBox()->value();
  return selection;
}

void applyAttentionSelection(AttentionView& view, const AttentionSelection& selection) {
  view.layerBox()->setValue(selection.layer);
  if (view.meanOverHeadsBox()) view.meanOverHeadsBox()->setChecked(selection.head < 0);
  if (selection.head >= 0) view.headBox()->setValue(selection.head);
}
