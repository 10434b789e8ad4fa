#pragma once
// The models open in the window, one row each: what they are (ModelInfo), where their load or run
// stands, and the latest text run result the views draw. Rows are addressed by a stable id that
// survives removals of other rows (the jobs report back by id). A row is also the model's palette
// slot (plots/model_palette.h): the Name column shows its colour swatch.
#include <QAbstractTableModel>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

#include "hopscope/loaded_model.h"

class LoadedModelsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Name, Family, Normalizer, Gate, Size, Params, Status, ColumnCount };
  enum class State { Loading, Ready, Running, Failed };
  // Data role holding the row's model id (int), on every column.
  static constexpr int ModelIdRole = Qt::UserRole + 1;

  struct Entry {
    int id = 0;
    QString argument;
    State state = State::Loading;
    QString message;  // error text when Failed
    std::shared_ptr<const hopscope::LoadedModel> model;
    std::optional<hopscope::TextRunResult> lastRun;
    // Image models run the window's image instead of its text: their latest result (lastRun stays empty).
    std::optional<hopscope::ImageRunResult> lastImageRun;
    bool isImageModel() const { return model && model->info().imageSize > 0; }
    // The attention of the latest run, text or image (nullptr when there is none).
    const std::vector<hopscope::AttentionProbabilities>* attention() const {
      if (lastRun) return &lastRun->attention;
      if (lastImageRun) return &lastImageRun->attention;
      return nullptr;
    }
  };

  explicit LoadedModelsModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
  bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

  // Appends a row in the Loading state and returns its id.
  int addLoading(const QString& argument);
  void setLoaded(int id, std::shared_ptr<const hopscope::LoadedModel> model);
  void setFailed(int id, const QString& message);
  void setRunning(int id);
  void setRunResult(int id, hopscope::TextRunResult result);
  void setImageRunResult(int id, hopscope::ImageRunResult result);

  int rowOfId(int id) const;  // -1 when the id is gone
  const Entry* entryById(int id) const;
  const Entry& entryAt(int row) const { return entries_[static_cast<size_t>(row)]; }
  const std::vector<Entry>& entries() const { return entries_; }

 signals:
  // The latest run result of a model changed (set or cleared).
  void runResultChanged(int id);

 private:
  Entry* find(int id);
  void rowChanged(int id);
  QString statusText(const Entry& entry) const;
  QString tooltip(const Entry& entry) const;

  std::vector<Entry> entries_;
  int nextId_ = 1;
};
