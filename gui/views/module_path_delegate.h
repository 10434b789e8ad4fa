#pragma once
// Module paths in narrow table columns: "model.decoder.layers.11.self_attn.k_proj.weight" elided so
// the layer number always stays visible ("…layers.11.self_attn.k_proj.weight", then
// "…layers.11.…k_proj.weight"), never "model.decod…proj.weight". The cell's tooltip keeps the whole path.
#include <QStyledItemDelegate>

class QFontMetrics;

// The path fitted into `width` pixels as above; paths without a layer number elide in the middle.
QString elideModulePath(const QString& path, const QFontMetrics& metrics, int width);

class ModulePathDelegate : public QStyledItemDelegate {
  Q_OBJECT
 public:
  using QStyledItemDelegate::QStyledItemDelegate;

 protected:
  void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override;
};
