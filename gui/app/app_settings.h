#pragma once
// Where the workbench keeps what outlives a session (window layout, recent files): QSettings under
// organization and application "hopscope" (~/.config/hopscope/hopscope.conf on Linux). Tests point
// QSettings::setPath at a temporary folder before any window exists.
#include <QSettings>
#include <QString>
#include <QStringList>

inline QSettings appSettings() { return QSettings(QStringLiteral("hopscope"), QStringLiteral("hopscope")); }

// Recently opened models (PATH[@NORMALIZER]) and workspaces (*.json), newest first, at most kMax.
struct RecentFiles {
  static constexpr int kMax = 10;
  static QStringList entries() { return appSettings().value(QStringLiteral("recent/entries")).toStringList(); }
  static void add(const QString& entry) {
    QStringList list = entries();
    list.removeAll(entry);
    list.prepend(entry);
    while (list.size() > kMax) list.removeLast();
    appSettings().setValue(QStringLiteral("recent/entries"), list);
  }
  static void clear() { appSettings().remove(QStringLiteral("recent/entries")); }
};
