#pragma once
// A layer × head overview of small attention thumbnails for each shown variant, to pick a head
// from: one block per model (its colour swatch and name), rows = layers, columns = heads and the
// head mean, each thumbnail the map averaged down to at most kThumbnailCells cells a side (scaled
// to its own largest value), with a bar under it for the head's mean no-op mass. Clicking a
// thumbnail picks that layer and head; the current one is framed in every block.
//
// Thumbnails are computed a few at a time from a zero-length timer (a few milliseconds per slice),
// only while the overview is visible, so long inputs never block the UI thread.
#include <QHash>
#include <QImage>
#include <QTimer>
#include <QWidget>

#include <vector>

class LoadedModelsModel;

class AttentionOverview : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kThumbnailCells = 48;

  explicit AttentionOverview(LoadedModelsModel* models, QWidget* parent = nullptr);

  // The variants shown, in order.
  void setModelIds(const std::vector<int>& ids);
  // The layer and head framed (head < 0: the mean column).
  void setCurrent(int layer, int head);
  // A model's run changed: its thumbnails are recomputed.
  void invalidate(int modelId);

  // Every thumbnail of every shown variant is computed.
  bool isComplete() const;
  // Computes whatever is missing now (tests, export).
  void computeAll();
  // Where a thumbnail is drawn (empty when it is not shown); head < 0: the mean column.
  QRect thumbnailRect(int modelId, int layer, int head) const;
  // The mean no-op mass of a head (head < 0: of the head mean), NaN until computed.
  double meanNoOpMass(int modelId, int layer, int head) const;

  QSize sizeHint() const override;
  int heightForWidth(int width) const override;

 signals:
  void picked(int layer, int head);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct Thumbnail {
    bool ready = false;
    QImage image;
    double noOpMass = 0.0;
  };
  struct Variant {
    int modelId = -1;
    int generation = -1;
    int layers = 0, heads = 0;
    int cells = 0;  // thumbnail side in cells
    std::vector<std::vector<float>> pooled;  // per layer × (heads + 1): cells × cells means
    std::vector<Thumbnail> thumbnails;       // per layer × (heads + 1); the last column is the mean
  };
  struct Geometry {
    int thumbnail = 40, gap = 4, labelWidth = 30, headerHeight = 22, columnLabelHeight = 14, bar = 4;
  };

  Geometry geometry(int width) const;
  int variantHeight(const Variant& variant, const Geometry& g) const;
  QString headerText(const Variant& variant) const;
  QRect headerRect(const Variant& variant, int top) const;
  void syncVariants();
  void fitHeight();
  bool computeNext();
  void computeSlice();
  Variant* variantFor(int modelId);
  const Variant* variantFor(int modelId) const;

  LoadedModelsModel* models_;
  std::vector<int> ids_;
  std::vector<Variant> variants_;
  QHash<int, int> generation_;
  int layer_ = 0, head_ = 0;
  QTimer timer_;
};
