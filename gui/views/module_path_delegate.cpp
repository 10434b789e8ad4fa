#include "views/module_path_delegate.h"

#include <QFontMetrics>
#include <QRegularExpression>

namespace {

constexpr QChar kEllipsis(0x2026);

}  // namespace

QString elideModulePath(const QString& path, const QFontMetrics& metrics, int width) {
  if (metrics.horizontalAdvance(path) <= width) return path;
  // "layer.3", "layers.11", "h.5", "blocks.2": the part that says which layer.
  static const QRegularExpression layer(QStringLiteral("(?:^|\\.)((?:layers?|h|blocks?)\\.\\d+)(?=\\.|$)"));
  const QRegularExpressionMatch match = layer.match(path);
  if (!match.hasMatch()) return metrics.elidedText(path, Qt::ElideMiddle, width);
  const QString layerPart = match.captured(1);
  const QString tail = path.mid(match.capturedEnd(1));  // ".self_attn.k_proj.weight" or empty
  const QString prefix = match.capturedStart(1) > 0 ? QString(kEllipsis) : QString();
  // Drop what comes before the layer.
  const QString withoutHead = prefix + layerPart + tail;
  if (metrics.horizontalAdvance(withoutHead) <= width) return withoutHead;
  // Then elide the middle of the rest, keeping its end (the module's own name).
  const QString kept = prefix + layerPart + QLatin1Char('.');
  const int rest = width - metrics.horizontalAdvance(kept);
  const QString end = tail.mid(1);
  if (rest > metrics.horizontalAdvance(QString(kEllipsis)) * 3)
    return kept + metrics.elidedText(end, Qt::ElideLeft, rest);
  // Too narrow even for that: the layer and as much of the rest as fits.
  return metrics.elidedText(prefix + layerPart + tail, Qt::ElideRight, width);
}

void ModulePathDelegate::initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const {
  QStyledItemDelegate::initStyleOption(option, index);
  if (!(option->features & QStyleOptionViewItem::HasDisplay)) return;
  // The style's text margins (about 3 px per side) and an icon, if any.
  int width = option->rect.width() - 8;
  if (option->features & QStyleOptionViewItem::HasDecoration) width -= option->decorationSize.width() + 4;
  option->text = elideModulePath(option->text, option->fontMetrics, std::max(width, 10));
  option->textElideMode = Qt::ElideRight;
}
