#include "app/workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <cmath>
#include <exception>

#include "app/attention_colours.h"
#include "hopscope/error.h"
#include "hopscope/model_builder.h"

namespace {

constexpr const char* kVersionKey = "hopscope_workspace";

[[noreturn]] void fail(const QString& path, const QString& problem) {
  throw hopscope::Error(QStringLiteral("workspace %1: %2").arg(path, problem).toStdString());
}

// Relative when inside `folder`, else absolute.
QString storedPath(const QString& path, const QDir& folder) {
  if (path.isEmpty()) return path;
  const QString absolute = QFileInfo(path).absoluteFilePath();
  const QString relative = folder.relativeFilePath(absolute);
  return relative.startsWith(QLatin1String("..")) || QDir::isAbsolutePath(relative) ? absolute : relative;
}

QString resolvedPath(const QString& path, const QDir& folder) {
  if (path.isEmpty() || QDir::isAbsolutePath(path)) return path;
  return QDir::cleanPath(folder.absoluteFilePath(path));
}

// Typed reads: a missing key keeps the default, a key of the wrong type is an error.
class Reader {
 public:
  Reader(const QString& path, const QJsonObject& object, const QString& where)
      : path_(path), object_(object), where_(where) {}
  QString text(const char* key, const QString& fallback) const {
    const QJsonValue value = object_.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull()) return fallback;
    if (!value.isString()) wrong(key, QStringLiteral("a string"));
    return value.toString();
  }
  int integer(const char* key, int fallback, int minimum, int maximum) const {
    const QJsonValue value = object_.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull()) return fallback;
    const double number = value.toDouble(-1e300);
    // The range first: converting a double outside int's range is undefined (fuzz_workspace).
    if (!value.isDouble() || !(number >= minimum && number <= maximum) || number != std::floor(number))
      wrong(key, QStringLiteral("a whole number from %1 to %2").arg(minimum).arg(maximum));
    return static_cast<int>(number);
  }
  bool boolean(const char* key, bool fallback) const {
    const QJsonValue value = object_.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull()) return fallback;
    if (!value.isBool()) wrong(key, QStringLiteral("true or false"));
    return value.toBool();
  }
  QJsonObject object(const char* key) const {
    const QJsonValue value = object_.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull()) return {};
    if (!value.isObject()) wrong(key, QStringLiteral("an object"));
    return value.toObject();
  }
  QJsonArray array(const char* key) const {
    const QJsonValue value = object_.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull()) return {};
    if (!value.isArray()) wrong(key, QStringLiteral("a list"));
    return value.toArray();
  }

 private:
  [[noreturn]] void wrong(const char* key, const QString& expected) const {
    fail(path_, QStringLiteral("\"%1%2\" must be %3").arg(where_, QLatin1String(key), expected));
  }
  QString path_;
  QJsonObject object_;
  QString where_;
};

QJsonObject readObject(const QString& path) {
  QFile file(path);
  if (!QFileInfo(path).isFile()) fail(path, QStringLiteral("no such file"));
  if (!file.open(QIODevice::ReadOnly)) fail(path, file.errorString());
  constexpr qint64 kMaxBytes = 16 << 20;
  if (file.size() > kMaxBytes) fail(path, QStringLiteral("larger than 16 MB: not a workspace"));
  QJsonParseError error;
  const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
  if (error.error != QJsonParseError::NoError)
    fail(path, QStringLiteral("not valid JSON (%1 at byte %2)").arg(error.errorString()).arg(error.offset));
  if (!document.isObject()) fail(path, QStringLiteral("not a hopscope workspace (not a JSON object)"));
  return document.object();
}

}  // namespace

QString WorkspaceModel::argument() const {
  return normalizer.isEmpty() ? path : path + QLatin1Char('@') + normalizer;
}

WorkspaceModel WorkspaceModel::fromArgument(const QString& argument) {
  try {
    const hopscope::ModelArgument parsed = hopscope::parseModelArgument(argument.toStdString());
    return {QString::fromStdString(parsed.path),
            parsed.normalizer ? QString::fromStdString(parsed.normalizer->toString()) : QString()};
  } catch (const std::exception&) {  // not a valid argument: keep it whole, opening it reports why
    return {argument, QString()};
  }
}

bool isWorkspaceFile(const QString& path) {
  try {
    return readObject(path).contains(QLatin1String(kVersionKey));
  } catch (const std::exception&) {
    return false;
  }
}

Workspace readWorkspace(const QString& path) {
  const QJsonObject root = readObject(path);
  const QJsonValue version = root.value(QLatin1String(kVersionKey));
  if (version.isUndefined())
    fail(path, QStringLiteral("not a hopscope workspace (no \"%1\" version key)").arg(QLatin1String(kVersionKey)));
  const int number = version.toInt(-1);
  if (!version.isDouble())  // the value itself may be any text: not quoted, the message stays one line
    fail(path, QStringLiteral("the format version \"%1\" must be a number (this hopscope reads version %2)")
                   .arg(QLatin1String(kVersionKey)).arg(Workspace::kFormatVersion));
  if (number < 1)
    fail(path, QStringLiteral("unsupported workspace format version %1 (this hopscope reads version %2)")
                   .arg(QString::number(version.toDouble())).arg(Workspace::kFormatVersion));
  if (number > Workspace::kFormatVersion)
    fail(path, QStringLiteral("format version %1 is newer than this hopscope reads (%2): update hopscope")
                   .arg(number).arg(Workspace::kFormatVersion));

  const QDir folder = QFileInfo(path).absoluteDir();
  const Reader reader(path, root, QString());
  Workspace workspace;
  const QJsonArray models = reader.array("models");
  for (int i = 0; i < models.size(); ++i) {
    if (!models[i].isObject()) fail(path, QStringLiteral("\"models[%1]\" must be an object").arg(i));
    const Reader model(path, models[i].toObject(), QStringLiteral("models[%1].").arg(i));
    WorkspaceModel entry;
    entry.path = resolvedPath(model.text("path", QString()), folder);
    if (entry.path.isEmpty()) fail(path, QStringLiteral("\"models[%1].path\" is missing").arg(i));
    entry.normalizer = model.text("normalizer", QString());
    workspace.models.push_back(entry);
  }
  workspace.text = reader.text("text", QString());
  workspace.view = reader.text("view", QString());
  const Reader attention(path, reader.object("attention"), QStringLiteral("attention."));
  workspace.layer = attention.integer("layer", 0, 0, 1 << 16);
  workspace.head = attention.integer("head", 0, -1, 1 << 16);
  workspace.colours = attention.text("colours", QString());
  if (!workspace.colours.isEmpty() && !attentionColourNames().contains(workspace.colours))
    fail(path, QStringLiteral("\"attention.colours\" must be one of %1, not \"%2\"")
                   .arg(attentionColourNames().join(QStringLiteral(", ")), workspace.colours));
  const Reader evaluation(path, reader.object("evaluation"), QStringLiteral("evaluation."));
  QuantizationRequest& settings = workspace.evaluation;
  settings.dataPath = resolvedPath(evaluation.text("data", settings.dataPath), folder);
  // Image models' source (idx file or ImageFolder); absent in older workspaces: the default.
  const QString images = evaluation.text("images", QString());
  if (!images.isEmpty()) settings.imagePath = resolvedPath(images, folder);
  settings.samples = evaluation.integer("blocks", static_cast<int>(settings.samples), 1, 100000);
  settings.seqLen = evaluation.integer("tokens", static_cast<int>(settings.seqLen), 0, 1 << 20);
  settings.weightBits = evaluation.integer("weight_bits", settings.weightBits, 2, 16);
  settings.activationBits = evaluation.integer("activation_bits", settings.activationBits, 2, 16);
  settings.estimator = evaluation.text("estimator", settings.estimator);
  settings.sweepActivationBits = evaluation.boolean("sweep_activation_bits", settings.sweepActivationBits);
  settings.unsignedGridWhenNonNegative = evaluation.boolean("unsigned_weight_grid", settings.unsignedGridWhenNonNegative);
  // Absent in older workspaces: the defaults (the bundled training chapters, pre-norm ViT blocks).
  const QString calibration = evaluation.text("calibration", QString());
  if (!calibration.isEmpty()) settings.calibrationPath = resolvedPath(calibration, folder);
  settings.calibrationBatches =
      evaluation.integer("calibration_batches", static_cast<int>(settings.calibrationBatches), 1, 100000);
  settings.referenceCompat = evaluation.boolean("vit_reference_compat", settings.referenceCompat);
  return workspace;
}

void writeWorkspace(const Workspace& workspace, const QString& path) {
  const QDir folder = QFileInfo(path).absoluteDir();
  QJsonArray models;
  for (const WorkspaceModel& model : workspace.models)
    models.append(QJsonObject{{QStringLiteral("path"), storedPath(model.path, folder)},
                              {QStringLiteral("normalizer"), model.normalizer}});
  const QuantizationRequest& settings = workspace.evaluation;
  QJsonObject evaluation{{QStringLiteral("data"), storedPath(settings.dataPath, folder)},
                               {QStringLiteral("blocks"), static_cast<int>(settings.samples)},
                               {QStringLiteral("tokens"), static_cast<int>(settings.seqLen)},
                               {QStringLiteral("weight_bits"), settings.weightBits},
                               {QStringLiteral("activation_bits"), settings.activationBits},
                               {QStringLiteral("estimator"), settings.estimator},
                               {QStringLiteral("sweep_activation_bits"), settings.sweepActivationBits},
                               {QStringLiteral("unsigned_weight_grid"), settings.unsignedGridWhenNonNegative},
                               {QStringLiteral("calibration_batches"), static_cast<int>(settings.calibrationBatches)},
                               {QStringLiteral("vit_reference_compat"), settings.referenceCompat}};
  if (!settings.calibrationPath.isEmpty())
    evaluation.insert(QStringLiteral("calibration"), storedPath(settings.calibrationPath, folder));
  if (!settings.imagePath.isEmpty()) evaluation.insert(QStringLiteral("images"), storedPath(settings.imagePath, folder));
  QJsonObject attention{{QStringLiteral("layer"), workspace.layer}, {QStringLiteral("head"), workspace.head}};
  if (!workspace.colours.isEmpty()) attention.insert(QStringLiteral("colours"), workspace.colours);
  const QJsonObject root{{QLatin1String(kVersionKey), Workspace::kFormatVersion},
                         {QStringLiteral("models"), models},
                         {QStringLiteral("text"), workspace.text},
                         {QStringLiteral("view"), workspace.view},
                         {QStringLiteral("attention"), attention},
                         {QStringLiteral("evaluation"), evaluation}};
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) fail(path, file.errorString());
  const QByteArray bytes = QJsonDocument(root).toJson(QJsonDocument::Indented);
  if (file.write(bytes) != bytes.size()) {
    file.cancelWriting();
    fail(path, file.errorString());
  }
  if (!file.commit()) fail(path, file.errorString());
}
