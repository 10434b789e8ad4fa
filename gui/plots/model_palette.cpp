#include "plots/model_palette.h"

#include <QPainter>
#include <QPixmap>

#include <array>
#include <iterator>

namespace {

// Okabe–Ito first: distinguishable with the common colour-vision deficiencies; yellow last of them
// (weak on white). Then eight more (after Paul Tol: indigo, wine, olive, teal; light green, dark
// green, grey, brown), each at least 67 apart in RGB from every other, so the whole demo set (15
// models) gets a colour each. Each of the first eight slots also has its own
// marker shape, so lines stay apart in grey print; the next eight reuse the shapes.
const QColor kPalette[] = {QColor(0, 114, 178),  QColor(230, 159, 0),   QColor(0, 158, 115),
                           QColor(213, 94, 0),   QColor(204, 121, 167), QColor(86, 180, 233),
                           QColor(0, 0, 0),      QColor(240, 228, 66),
                           QColor(51, 34, 136),  QColor(136, 34, 85),   QColor(153, 153, 51),
                           QColor(68, 170, 153), QColor(136, 204, 102), QColor(17, 119, 51),
                           QColor(136, 136, 136), QColor(102, 51, 0)};
const MarkerShape kShapes[] = {MarkerShape::Circle,  MarkerShape::Square, MarkerShape::Triangle,
                               MarkerShape::Diamond, MarkerShape::Cross,  MarkerShape::TriangleDown,
                               MarkerShape::Plus,    MarkerShape::Star};
constexpr int kSlots = static_cast<int>(std::size(kPalette));
constexpr int kShapeCount = static_cast<int>(std::size(kShapes));

int wrapped(int slot) { return ((slot % kSlots) + kSlots) % kSlots; }

QIcon paintSwatch(const QColor& colour) {
  QPixmap pixmap(24, 24);  // drawn at twice the shown size, crisp on high-DPI screens
  pixmap.setDevicePixelRatio(2);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(QPen(colour.darker(140), 1));
  painter.setBrush(colour);
  painter.drawRoundedRect(QRectF(1.5, 1.5, 9, 9), 2, 2);
  QIcon icon(pixmap);
  icon.addPixmap(pixmap, QIcon::Selected);  // the colour itself, not tinted, in a selected row
  return icon;
}

}  // namespace

QColor modelColour(int slot) { return kPalette[wrapped(slot)]; }

MarkerShape modelMarker(int slot) { return kShapes[wrapped(slot) % kShapeCount]; }

QIcon modelSwatch(int slot) {
  static std::array<QIcon, kSlots> swatches;  // painted on first use (needs a QGuiApplication)
  QIcon& swatch = swatches[static_cast<std::size_t>(wrapped(slot))];
  if (swatch.isNull()) swatch = paintSwatch(modelColour(slot));
  return swatch;
}

int slotAt(const std::vector<int>& paletteSlots, std::size_t index) {
  return index < paletteSlots.size() ? paletteSlots[index] : static_cast<int>(index);
}
