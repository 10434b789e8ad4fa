#pragma once
// Tick labels for an axis of tokens (one integer coordinate per token): as many labels as fit the
// axis's current pixel length at the label font, so 2,048 tokens show a readable subset and
// zooming in labels every token. The step is 1, 2, 5, 10, 20, 50, ... tokens, so labels stay put
// while panning. Long tokens are elided in the label (the hover text has them whole).
#include <QStringList>

#include <qcustomplot.h>

class TokenAxisTicker : public QCPAxisTicker {
 public:
  // spacingPixels: the room one label needs along the axis (its line height, more when rotated).
  TokenAxisTicker(QCPAxis* axis, QStringList labels, double spacingPixels);

  const QStringList& labels() const { return labels_; }
  // The labels drawn for the axis's current range and size, by token index.
  QMap<double, QString> ticks() const;
  // The step between labelled tokens for a range of `visible` tokens on `pixels` pixels.
  static int stepFor(double visible, double pixels, double spacingPixels);

  // The axis length has changed so much since the labels were chosen that another step fits
  // (ticks are chosen before the layout settles; the plot then redraws once more).
  bool stale() const;

  void generate(const QCPRange& range, const QLocale& locale, QChar formatChar, int precision,
                QVector<double>& ticks, QVector<double>* subTicks, QVector<QString>* tickLabels) override;

 private:
  QCPAxis* axis_;
  QStringList labels_;
  double spacing_;
  int step_ = 0;
  double visible_ = 0;
};
