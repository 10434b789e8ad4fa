#include "app/attention_selection.h"

#include <QCheckBox>
#include <QComboBox>
#include <QSpinBox>

#include "views/attention_grid.h"
#include "views/attention_view.h"

namespace {

// attentionColourNames() in this order.
const AttentionGrid::ColourMode kColourModes[] = {AttentionGrid::ColourMode::UnitRange, AttentionGrid::ColourMode::SharedRange,
                                                  AttentionGrid::ColourMode::PerMap, AttentionGrid::ColourMode::Log};

}  // namespace

AttentionSelection attentionSelection(const AttentionView& view) {
  AttentionSelection selection;
  selection.layer = view.layerBox()->value();
  const bool mean = view.meanOverHeadsBox() && view.meanOverHeadsBox()->isChecked();
  selection.head = mean ? -1 : view.headBox()->value();
  const QStringList names = attentionColourNames();
  for (int i = 0; i < names.size(); ++i)
    if (view.colourScaleBox()->currentData().toInt() == static_cast<int>(kColourModes[i])) selection.colours = names[i];
  return selection;
}

void applyAttentionColours(AttentionView& view, const QString& colours) {
  const int named = static_cast<int>(attentionColourNames().indexOf(colours));
  if (named < 0) return;
  const int index = view.colourScaleBox()->findData(static_cast<int>(kColourModes[named]));
  if (index >= 0) view.colourScaleBox()->setCurrentIndex(index);
}

void applyAttentionSelection(AttentionView& view, const AttentionSelection& selection) {
  view.layerBox()->setValue(selection.layer);
  if (view.meanOverHeadsBox()) view.meanOverHeadsBox()->setChecked(selection.head < 0);
  if (selection.head >= 0) view.headBox()->setValue(selection.head);
  applyAttentionColours(view, selection.colours);
}
