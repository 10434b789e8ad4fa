#pragma once
// Small conversions the views share when they show engine result values.
#include <QObject>
#include <QString>

#include <cstddef>
#include <string>

#include "hopscope/model_info.h"

inline QString qtext(const std::string& text) { return QString::fromStdString(text); }

// A model's name, or "model N" (N = index + 1) when it has none.
inline QString modelName(const hopscope::ModelInfo& info, std::size_t index) {
  return info.name.empty() ? QObject::tr("model %1").arg(index + 1) : qtext(info.name);
}
