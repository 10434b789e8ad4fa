#include "views/loaded_models_model.h"

#include <QBrush>
#include <QColor>
#include <QFileInfo>

#include <utility>

#include "plots/model_palette.h"

namespace {

QString fromStd(const std::string& text) { return QString::fromStdString(text); }

// 4385920 -> "4.39 M": the table shows magnitudes, the tooltip the exact count.
QString compactCount(int64_t count) {
  if (count >= 1000000000) return QString::number(count / 1e9, 'f', 2) + QStringLiteral(" G");
  if (count >= 1000000) return QString::number(count / 1e6, 'f', 2) + QStringLiteral(" M");
  if (count >= 1000) return QString::number(count / 1e3, 'f', 1) + QStringLiteral(" k");
  return QString::number(count);
}

// Name shown before the model has loaded: the folder name plus the requested normalizer.
QString provisionalName(const QString& argument) {
  const int at = argument.lastIndexOf(QLatin1Char('@'));
  const QString path = at >= 0 ? argument.left(at) : argument;
  QString name = QFileInfo(path).fileName();
  if (name.isEmpty()) name = QFileInfo(QFileInfo(path).path()).fileName();  // trailing slash
  if (name.isEmpty()) name = path;
  return at >= 0 ? name + argument.mid(at) : name;
}

}  // namespace

LoadedModelsModel::LoadedModelsModel(QObject* parent) : QAbstractTableModel(parent) {}

int LoadedModelsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int LoadedModelsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant LoadedModelsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  if (role == Qt::DisplayRole) {
    switch (section) {
      case Name: return tr("Name");
      case Family: return tr("Family");
      case Normalizer: return tr("Normalizer");
      case Gate: return tr("Gate");
      case Size: return tr("Layers×Hidden");
      case Params: return tr("Params");
      case Status: return tr("Status");
    }
  }
  if (role == Qt::ToolTipRole) {
    switch (section) {
      case Normalizer: return tr("Attention normalizer (softmax, softmax1, clipped, ...)");
      case Gate: return tr("Gated attention detected from the weights: none, linear or mlp");
      case Size: return tr("Transformer layers × hidden width");
      case Params: return tr("Parameters the model uses (tied tensors counted once)");
    }
  }
  return {};
}

QVariant LoadedModelsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const Entry& entry = entries_[static_cast<size_t>(index.row())];
  if (role == ModelIdRole) return entry.id;
  if (role == Qt::ToolTipRole) return tooltip(entry);
  // The row is the model's palette slot: its colour in every view, legend and export.
  if (role == Qt::DecorationRole && index.column() == Name) return modelSwatch(index.row());
  if (role == Qt::ForegroundRole && index.column() == Status && entry.state == State::Failed)
    return QBrush(QColor(176, 0, 32));
  if (role != Qt::DisplayRole) return {};

  const QString none = QStringLiteral("–");
  if (!entry.model) {
    if (index.column() == Name) return provisionalName(entry.argument);
    if (index.column() == Status) return statusText(entry);
    return none;
  }
  const hopscope::ModelInfo& info = entry.model->info();
  switch (index.column()) {
    case Name: return fromStd(info.name);
    case Family: return fromStd(info.family);
    case Normalizer: return fromStd(info.normalizer);
    case Gate: return fromStd(info.gate);
    case Size: return QStringLiteral("%1×%2").arg(info.layers).arg(info.hidden);
    case Params: return compactCount(info.parameterCount);
    case Status: return statusText(entry);
  }
  return {};
}

QString LoadedModelsModel::statusText(const Entry& entry) const {
  switch (entry.state) {
    case State::Loading: return tr("loading…");
    case State::Running: return tr("running…");
    case State::Ready: return tr("ready");
    case State::Failed: return entry.message;
  }
  return {};
}

QString LoadedModelsModel::tooltip(const Entry& entry) const {
  QStringList lines;
  lines << tr("argument: %1").arg(entry.argument);
  if (entry.state == State::Failed) lines << tr("error: %1").arg(entry.message);
  if (entry.model) {
    const hopscope::ModelInfo& info = entry.model->info();
    lines << tr("path: %1").arg(fromStd(info.path))
          << tr("family: %1 (%2)").arg(fromStd(info.family), fromStd(info.architecture))
          << tr("normalizer: %1, gate: %2").arg(fromStd(info.normalizer), fromStd(info.gate))
          << tr("format: %1, %2 tensors").arg(fromStd(info.format)).arg(info.tensorCount)
          << tr("tokenizer: %1").arg(fromStd(info.tokenizer))
          << tr("layers %1, hidden %2, heads %3, intermediate %4")
                 .arg(info.layers).arg(info.hidden).arg(info.heads).arg(info.intermediate)
          << tr("vocabulary %1, positions %2").arg(info.vocabSize).arg(info.maxPositions)
          << tr("parameters: %1").arg(info.parameterCount);
    for (const std::string& note : info.notes) lines << tr("note: %1").arg(fromStd(note));
  }
  if (entry.lastRun) lines << tr("last run: %1 tokens").arg(entry.lastRun->ids.size());
  if (entry.lastImageRun)
    lines << tr("last run: image %1 (%2 × %3 patches)")
                 .arg(QString::fromStdString(entry.lastImageRun->input.source))
                 .arg(entry.lastImageRun->gridHeight)
                 .arg(entry.lastImageRun->gridWidth);
  return lines.join(QLatin1Char('\n'));
}

bool LoadedModelsModel::removeRows(int row, int count, const QModelIndex& parent) {
  if (parent.isValid() || row < 0 || count <= 0 || row + count > rowCount()) return false;
  beginRemoveRows({}, row, row + count - 1);
  entries_.erase(entries_.begin() + row, entries_.begin() + row + count);
  endRemoveRows();
  // The rows below moved up, and with them their palette slots.
  if (row < rowCount()) emit dataChanged(index(row, Name), index(rowCount() - 1, Name), {Qt::DecorationRole});
  return true;
}

int LoadedModelsModel::addLoading(const QString& argument) {
  const int row = rowCount();
  beginInsertRows({}, row, row);
  Entry entry;
  entry.id = nextId_++;
  entry.argument = argument;
  entries_.push_back(std::move(entry));
  endInsertRows();
  return entries_.back().id;
}

LoadedModelsModel::Entry* LoadedModelsModel::find(int id) {
  for (Entry& entry : entries_)
    if (entry.id == id) return &entry;
  return nullptr;
}

const LoadedModelsModel::Entry* LoadedModelsModel::entryById(int id) const {
  for (const Entry& entry : entries_)
    if (entry.id == id) return &entry;
  return nullptr;
}

int LoadedModelsModel::rowOfId(int id) const {
  for (size_t row = 0; row < entries_.size(); ++row)
    if (entries_[row].id == id) return static_cast<int>(row);
  return -1;
}

void LoadedModelsModel::rowChanged(int id) {
  const int row = rowOfId(id);
  if (row >= 0) emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void LoadedModelsModel::setLoaded(int id, std::shared_ptr<const hopscope::LoadedModel> model) {
  Entry* entry = find(id);
  if (!entry) return;
  entry->model = std::move(model);
  entry->state = State::Ready;
  entry->message.clear();
  rowChanged(id);
}

void LoadedModelsModel::setFailed(int id, const QString& message) {
  Entry* entry = find(id);
  if (!entry) return;
  entry->state = State::Failed;
  entry->message = message;
  const bool hadRun = entry->lastRun.has_value() || entry->lastImageRun.has_value();
  entry->lastRun.reset();  // a map of an older text next to this error would mislead
  entry->lastImageRun.reset();
  rowChanged(id);
  if (hadRun) emit runResultChanged(id);
}

void LoadedModelsModel::setRunning(int id) {
  Entry* entry = find(id);
  if (!entry || !entry->model) return;
  entry->state = State::Running;
  rowChanged(id);
}

void LoadedModelsModel::setRunResult(int id, hopscope::TextRunResult result) {
  Entry* entry = find(id);
  if (!entry) return;
  entry->lastRun = std::move(result);
  entry->state = State::Ready;
  entry->message.clear();
  rowChanged(id);
  emit runResultChanged(id);
}

void LoadedModelsModel::setImageRunResult(int id, hopscope::ImageRunResult result) {
  Entry* entry = find(id);
  if (!entry) return;
  entry->lastImageRun = std::move(result);
  entry->lastRun.reset();
  entry->state = State::Ready;
  entry->message.clear();
  rowChanged(id);
  emit runResultChanged(id);
}
