#include "views/result_status.h"

#include <algorithm>

#include <QApplication>
#include <QObject>
#include <QStyle>

bool sameStatuses(const std::vector<ResultStatus>& a, const std::vector<ResultStatus>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const ResultStatus x = statusAt(a, i), y = statusAt(b, i);
    if (x.state != y.state || x.note != y.note) return false;
  }
  return true;
}

QString resultStatusWord(const ResultStatus& status) {
  switch (status.state) {
    case ResultStatus::State::Stale: return QObject::tr("stale");
    case ResultStatus::State::Pending: return QObject::tr("pending");
    case ResultStatus::State::Current: break;
  }
  return {};
}

QIcon resultStatusIcon(const ResultStatus& status) {
  switch (status.state) {
    case ResultStatus::State::Stale: return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
    case ResultStatus::State::Pending: return QApplication::style()->standardIcon(QStyle::SP_BrowserReload);
    case ResultStatus::State::Current: break;
  }
  return {};
}

void showSettingsCaption(QLabel& caption, const std::vector<QString>& settings, const std::vector<ResultStatus>& statuses) {
  std::vector<QString> distinct;
  int marked = 0;
  for (size_t m = 0; m < settings.size(); ++m) {
    if (std::find(distinct.begin(), distinct.end(), settings[m]) == distinct.end()) distinct.push_back(settings[m]);
    if (!statusAt(statuses, m).current()) ++marked;
  }
  if (marked > 0) {
    caption.setText(QObject::tr("⚠ %1 of %2 rows computed with other settings than the settings row, or being "
                                "recomputed: marked in italics (hover them for the settings)")
                         .arg(marked)
                         .arg(settings.size()));
    caption.setStyleSheet(QStringLiteral("color: #8a4b00;"));
  } else if (distinct.size() > 1) {
    // Few (image models and text models side by side, say): name them; more: the column does.
    QStringList names;
    for (const QString& text : distinct) names << text;
    caption.setText(distinct.size() <= 3
                        ? QObject::tr("Rows computed with different settings: %1").arg(names.join(QStringLiteral("; ")))
                        : QObject::tr("Rows computed with different settings: see the \"computed with\" column"));
    caption.setStyleSheet(QStringLiteral("color: #8a4b00;"));
  } else {
    caption.setText(distinct.empty() ? QString() : QObject::tr("Computed with %1").arg(distinct.front()));
    caption.setStyleSheet(QStringLiteral("color: #505050;"));
  }
}
