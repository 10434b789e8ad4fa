#include "app/demo_set.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

#include "hopscope/bundled_resources.h"

namespace {

QString familyOf(const QString& name) { return name.section(QLatin1Char('-'), 0, 0); }

// The order scripts/demo_table.py and the report use: softmax, clipped, gated softmax, softmax1,
// gated softmax1; unknown variants after them, by name.
int variantRank(const QString& name) {
  static const QStringList order = {QStringLiteral("softmax-none"),   QStringLiteral("clipped-none"),
                                    QStringLiteral("softmax-mlp"),    QStringLiteral("softmax-linear"),
                                    QStringLiteral("softmax1-none"),  QStringLiteral("softmax1-mlp"),
                                    QStringLiteral("softmax1-linear")};
  const qsizetype rank = order.indexOf(name.section(QLatin1Char('-'), 1));
  return rank < 0 ? static_cast<int>(order.size()) : static_cast<int>(rank);
}

}  // namespace

DemoSet findDemoSet(const QString& family) {
  DemoSet demo;
  const hopscope::BundledFile candidates = hopscope::findBundledFile("demo");
  QStringList tried;
  for (const std::string& candidate : candidates.tried) {
    const QString folder = QDir::cleanPath(QString::fromStdString(candidate));
    tried << folder;
    const QDir dir(folder);
    if (!dir.exists()) continue;
    QStringList names;
    for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
      if (QFileInfo(dir.filePath(name) + QStringLiteral("/config.json")).isFile()) names << name;
    if (names.isEmpty()) continue;
    for (const QString& name : names)
      if (!demo.families.contains(familyOf(name))) demo.families << familyOf(name);
    std::stable_sort(names.begin(), names.end(), [](const QString& a, const QString& b) {
      if (familyOf(a) != familyOf(b)) return familyOf(a) < familyOf(b);
      return variantRank(a) < variantRank(b);
    });
    for (const QString& name : names)
      if (family.isEmpty() || familyOf(name) == family) demo.models << dir.filePath(name);
    if (demo.models.isEmpty())
      demo.error = QObject::tr("no demo models of the family \"%1\" in %2 (it has: %3)")
                       .arg(family, folder, demo.families.join(QStringLiteral(", ")));
    return demo;
  }
  demo.error = QObject::tr("no demo set: %1 holds no checkpoint folder (scripts/train_demo.sh trains the demo "
                           "models and scripts/export_demo.sh copies them there); open models with File ▸ Open "
                           "model… instead")
                   .arg(tried.isEmpty() ? QStringLiteral("resources/demo") : tried.join(QStringLiteral(" or ")));
  return demo;
}
