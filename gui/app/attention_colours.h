#pragma once
// The Attention view's colour scales by the names workspaces store them under, in the order of
// AttentionGrid::ColourMode (UnitRange, SharedRange, PerMap, Log). Qt Core only, so reading a
// workspace needs no widgets (fuzz_workspace).
#include <QStringList>

inline QStringList attentionColourNames() {
  return {QStringLiteral("unit"), QStringLiteral("shared"), QStringLiteral("per-map"), QStringLiteral("log")};
}
