#include "app/demo_set.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

#include "hopscope/bundled_resources.h"

namespace {

// The demo tables' text (resources/corpora/README.md): the held-out addresses, and the first
// training addresses, whose blocks are the ones demo_table.py calibrates on.
constexpr const char* kDemoEvalText = "corpora/sotu-eval.txt";
constexpr const char* kDemoCalibrationText = "corpora/sotu-calib.txt";
// scripts/demo_table.py: `--samples 64` blocks; quantize's default --calib-batches.
constexpr int64_t kDemoBlocks = 64;
constexpr int64_t kDemoCalibrationBatches = 4;

QString sha256Of(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash hash(QCryptographicHash::Sha256);
  hash.addData(&file);
  return QString::fromLatin1(hash.result().toHex());
}

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

DemoEvaluation demoEvaluation(const DemoSet& demo, const QuantizationRequest& base) {
  DemoEvaluation evaluation;
  evaluation.request = base;
  const hopscope::BundledFile text = hopscope::findBundledFile(kDemoEvalText);
  const hopscope::BundledFile calibration = hopscope::findBundledFile(kDemoCalibrationText);
  if (!text.found || !calibration.found) return evaluation;
  const QString textHash = sha256Of(QString::fromStdString(text.path));
  // A model trained with that held-out text says so in its config.json (train --eval-data).
  for (const QString& model : demo.models) {
    QFile file(model + QStringLiteral("/config.json"));
    if (!file.open(QIODevice::ReadOnly)) continue;
    const QJsonObject hopscope = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("hopscope")).toObject();
    if (hopscope.value(QStringLiteral("eval_data_sha256")).toString() != textHash) continue;
    evaluation.applies = true;
    QuantizationRequest& request = evaluation.request;
    request.dataPath = QString::fromStdString(text.path);
    request.calibrationPath = QString::fromStdString(calibration.path);
    request.samples = kDemoBlocks;
    // The models' own block length, as demo_table.py passes it.
    request.seqLen = hopscope.value(QStringLiteral("training")).toObject().value(QStringLiteral("seq_len")).toInt(0);
    request.calibrationBatches = kDemoCalibrationBatches;
    evaluation.note = QObject::tr("The demo set's held-out text: the State of the Union addresses of 2010–2021, which "
                                  "the demo models never trained on. With %1 blocks of %2 tokens, calibrated on %3 "
                                  "batches of the earlier addresses (%4), as the README's demo tables "
                                  "(scripts/demo_table.py): the perplexities here are the README's (W8A8 may move in its last "
                                  "digit with the thread count).")
                          .arg(request.samples)
                          .arg(request.seqLen > 0 ? QString::number(request.seqLen) : QObject::tr("auto"))
                          .arg(request.calibrationBatches)
                          .arg(QFileInfo(request.calibrationPath).fileName());
    return evaluation;
  }
  return evaluation;
}
