#include "app/attention_selection.h"

#include <QCheckBox>
#include <QComboBox>
#include <QSpinBox>

#include <utility>

#include "views/attention_grid.h"
#include "views/attention_view.h"

namespace {

const std::pair<AttentionGrid::ColourMode, const char*> kColourNames[] = {
    {AttentionGrid::ColourMode::UnitRange, "unit"},
    {AttentionGrid::ColourMode::SharedRange, "shared"},
    {AttentionGrid::ColourMode::PerMap, "per-map"},
    {AttentionGrid::ColourMode::Log, "log"}};

}  // namespace

QStringList attentionColourNames() {
  QStringList names;
  for (const auto& [mode, name] : kColourNames) names << QString::fromLatin1(name);
  return names;
}

AttentionSelection attentionSelection(const AttentionView& view) {
  AttentionSelection selection;
  selection.layer = view.layerBox()->value();
  const bool mean = view.meanOverHeadsBox() && view.meanOverHeadsBox()->isChecked();
  selection.head = mean ? -1 : view.headBox()->value();
  for (const auto& [mode, name] : kColourNames)
    if (view.colourScaleBox()->currentData().toInt() == static_cast<int>(mode)) selection.colours = QString::fromLatin1(name);
  return selection;
}

void applyAttentionColours(AttentionView& view, const QString& colours) {
  for (const auto& [mode, name] : kColourNames)
    if (colours == QLatin1String(name)) {
      const int index = view.colourScaleBox()->findData(static_cast<int>(mode));
      if (index >= 0) view.colourScaleBox()->setCurrentIndex(index);
    }
}

void applyAttentionSelection(AttentionView& view, const AttentionSelection& selection) {
  view.layerBox()->setValue(selection.layer);
  if (view.meanOverHeadsBox()) view.meanOverHeadsBox()->setChecked(selection.head < 0);
  if (selection.head >= 0) view.headBox()->setValue(selection.head);
  applyAttentionColours(view, selection.colours);
}
