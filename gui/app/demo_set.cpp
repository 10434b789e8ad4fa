#include "app/demo_set.h"

#include <QDir>
#include <QFileInfo>

#include "hopscope/bundled_resources.h"

DemoSet findDemoSet() {
  DemoSet demo;
  const hopscope::BundledFile candidates = hopscope::findBundledFile("demo");
  QStringList tried;
  for (const std::string& candidate : candidates.tried) {
    const QString folder = QDir::cleanPath(QString::fromStdString(candidate));
    tried << folder;
    const QDir dir(folder);
    if (!dir.exists()) continue;
    for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
      if (QFileInfo(dir.filePath(name) + QStringLiteral("/config.json")).isFile()) demo.models << dir.filePath(name);
    if (!demo.models.isEmpty()) return demo;
  }
  demo.error = QObject::tr("no demo set: %1 holds no checkpoint folder (scripts/train_demo.sh trains the demo "
                           "models and scripts/export_demo.sh copies them there); open models with File ▸ Open "
                           "model… instead")
                   .arg(tried.isEmpty() ? QStringLiteral("resources/demo") : tried.join(QStringLiteral(" or ")));
  return demo;
}
