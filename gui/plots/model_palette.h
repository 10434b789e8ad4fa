#pragma once
// One colour and one marker shape per model slot. A model's slot is its row in the loaded-models
// table (LoadedModelsModel), so a model has the same colour in every view, legend, table and export.
#include <QColor>
#include <QIcon>

#include <cstddef>
#include <vector>

enum class MarkerShape { Circle, Square, Triangle, Diamond, Cross, TriangleDown, Plus, Star };

QColor modelColour(int slot);
MarkerShape modelMarker(int slot);
// A small square of the slot's colour, for Qt::DecorationRole next to a model's name.
QIcon modelSwatch(int slot);

// The slot of the index-th model of a list: paletteSlots[index] when given, else the index itself
// (a list that holds every loaded model in table order).
int slotAt(const std::vector<int>& paletteSlots, std::size_t index);
