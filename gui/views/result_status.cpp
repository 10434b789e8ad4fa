#include "views/result_status.h"

#include <QApplication>
#include <QObject>
#include <QStyle>

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
