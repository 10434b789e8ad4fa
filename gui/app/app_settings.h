#pragma once
// Where the workbench keeps what outlives a session (window layout, recent files): QSettings under
// organization and application "hopscope" (~/.config/hopscope/hopscope.conf on Linux). Tests point
// QSettings::setPath at a temporary folder before any window exists.
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QThreadPool>

inline QSettings appSettings() { return QSettings(QStringLiteral("hopscope"), QStringLiteral("hopscope")); }

// Recently opened models (PATH[@NORMALIZER]) and workspaces (*.json), newest first, at most kMax.
// Read once per process; written on a pool thread, because QSettings syncs its file to disk and
// the UI thread must not wait for a busy disk (the pool is drained before the process exits).
struct RecentFiles {
  static constexpr int kMax = 10;
  static QStringList entries() { return cache(); }
  static void add(const QString& entry) {
    QStringList& list = cache();
    list.removeAll(entry);
    list.prepend(entry);
    while (list.size() > kMax) list.removeLast();
    store(list);
  }
  static void clear() {
    cache().clear();
    store({});
  }

 private:
  static QStringList& cache() {
    static QStringList list = appSettings().value(QStringLiteral("recent/entries")).toStringList();
    return list;
  }
  static void store(const QStringList& list) {
    QThreadPool::globalInstance()->start([list] {
      QSettings settings = appSettings();
      if (list.isEmpty()) settings.remove(QStringLiteral("recent/entries"));
      else settings.setValue(QStringLiteral("recent/entries"), list);
    });
  }
};
