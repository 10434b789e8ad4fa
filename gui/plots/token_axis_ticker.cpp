#include "plots/token_axis_ticker.h"

#include <algorithm>
#include <cmath>

namespace {

constexpr int kMaxLabelCharacters = 14;

QString elided(const QString& label) {
  return label.size() <= kMaxLabelCharacters ? label : label.left(kMaxLabelCharacters - 1) + QChar(0x2026);
}

double axisPixels(const QCPAxis* axis) {
  if (!axis || !axis->axisRect()) return 300;
  return axis->orientation() == Qt::Horizontal ? axis->axisRect()->width() : axis->axisRect()->height();
}

}  // namespace

bool TokenAxisTicker::stale() const {
  return step_ > 0 && stepFor(visible_, axisPixels(axis_), spacing_) != step_;
}

TokenAxisTicker::TokenAxisTicker(QCPAxis* axis, QStringList labels, double spacingPixels)
    : axis_(axis), labels_(std::move(labels)), spacing_(spacingPixels) {}

int TokenAxisTicker::stepFor(double visible, double pixels, double spacingPixels) {
  const double fitting = std::max(1.0, pixels / std::max(spacingPixels, 1.0));
  const double needed = visible / fitting;
  for (int magnitude = 1;; magnitude *= 10)
    for (int factor : {1, 2, 5})
      if (factor * magnitude >= needed || magnitude > 100000000) return factor * magnitude;
}

void TokenAxisTicker::generate(const QCPRange& range, const QLocale&, QChar, int, QVector<double>& ticks,
                               QVector<double>* subTicks, QVector<QString>* tickLabels) {
  ticks.clear();
  if (subTicks) subTicks->clear();
  if (tickLabels) tickLabels->clear();
  if (labels_.isEmpty()) return;
  const int first = std::max(0, static_cast<int>(std::ceil(range.lower)));
  const int last = std::min(static_cast<int>(labels_.size()) - 1, static_cast<int>(std::floor(range.upper)));
  if (first > last) return;
  const int step = stepFor(range.size(), axisPixels(axis_), spacing_);
  step_ = step;
  visible_ = range.size();
  for (int index = (first + step - 1) / step * step; index <= last; index += step) {
    ticks << index;
    if (tickLabels) *tickLabels << elided(labels_[index]);
  }
}

QMap<double, QString> TokenAxisTicker::ticks() const {
  QVector<double> ticks;
  QVector<QString> labels;
  const_cast<TokenAxisTicker*>(this)->generate(axis_ ? axis_->range() : QCPRange(0, labels_.size()), QLocale(),
                                               QLatin1Char('g'), 0, ticks, nullptr, &labels);
  QMap<double, QString> out;
  for (int i = 0; i < ticks.size(); ++i) out.insert(ticks[i], labels[i]);
  return out;
}
