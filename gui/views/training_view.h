#pragma once
// The Training view: trains small models of several attention variants (hopscope/trainer.h, as
// `hopscope-cli train` does) one after another into one output folder, a subfolder per variant
// ("bert-softmax1-mlp"), and draws their curves live: training and held-out loss, average kurtosis
// and maximum inf-norm against the step (training_figures.h), one colour per variant (its row is
// its palette slot). Pointing the output folder at earlier runs shows their curves from their
// training_log.jsonl; stopped runs resume, and any run with a checkpoint opens in the workbench.
#include <QString>
#include <QStringList>
#include <QWidget>

#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "hopscope/attention_gate.h"
#include "hopscope/normalizer_spec.h"
#include "hopscope/trainer.h"
#include "jobs/training_jobs.h"

class FigurePlot;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;

class TrainingView : public QWidget {
  Q_OBJECT
 public:
  enum class RunState { NotTrained, Queued, Running, Finished, Stopped, Failed };
  enum Column { VariantColumn, ProgressColumn, StatusColumn, ColumnCount };

  explicit TrainingView(QWidget* parent = nullptr);
  ~TrainingView() override;

  // The folder holding one subfolder per variant; setting it reads the runs found there.
  void setOutputFolder(const QString& folder);
  QString outputFolder() const;
  // Reads the output folder again: every run's state and records as its files say.
  void reloadRuns();
  // Fills the settings panel from a run's settings (sizes, data, optimisation; not the variant).
  void adoptSettings(const hopscope::TrainingSettings& settings);

  // Adds a variant row (checked): NORMALIZER as in MODEL arguments, and a gate. On a bad spec or a
  // variant already listed, reports an error and returns false.
  bool addVariant(const QString& normalizer, hopscope::GateKind gate);

  // The variant rows, in table order (a row is also the variant's palette slot).
  int variantCount() const { return static_cast<int>(rows_.size()); }
  QString runFolder(int row) const;  // output folder / run name
  QString runName(int row) const;    // e.g. "bert-softmax1-mlp"
  int rowOfRun(const QString& name) const;
  // The listed variant row without a run yet whose family, normalizer and gate a run has; -1 when none.
  int rowOfVariant(const hopscope::TrainingSettings& settings) const;
  bool isChecked(int row) const;
  void setChecked(int row, bool checked);
  void checkOnly(const QStringList& runNames);  // checks these rows and unchecks the others
  RunState runState(int row) const;
  QString statusText(int row) const;
  const std::vector<nlohmann::json>& records(int row) const;

  // The settings a new run of `row` gets from the controls.
  hopscope::TrainingSettings settingsFor(int row) const;

  // Start: trains every checked variant that has no run in its folder yet. Resume: continues every
  // stopped run. Stop: the running variant writes its checkpoint and stops; queued ones do not start.
  void start();
  void resume();
  void stop();
  bool isTraining() const;
  // Asks the workbench to open the selected rows' / every row's checkpoint (not while training it).
  void openSelected();
  void openAll();

  QCustomPlot* currentPlot() const;  // the visible curve plot, for File > Export plot
  // The plot tabs by name (loss, kurtosis, inf-norm), for `hopscope --training-plot`.
  static QStringList plotNames();
  bool showPlot(const QString& name);  // false for an unknown name
  TrainingJobs* jobs() const { return jobs_; }
  QTableWidget* variantsTable() const { return table_; }
  QProgressBar* progressBar(int row) const;
  FigurePlot* lossPlot() const { return lossPlot_; }
  FigurePlot* kurtosisPlot() const { return kurtosisPlot_; }
  FigurePlot* infNormPlot() const { return infNormPlot_; }
  QTabWidget* plotTabs() const { return plotTabs_; }
  QComboBox* familyBox() const { return family_; }
  QLineEdit* trainingTextEdit() const { return trainText_; }
  QLineEdit* heldOutTextEdit() const { return evalText_; }
  QLineEdit* outputFolderEdit() const { return outputFolder_; }
  QSpinBox* vocabularyBox() const { return vocabSize_; }
  QSpinBox* layersBox() const { return layers_; }
  QSpinBox* hiddenBox() const { return hidden_; }
  QSpinBox* headsBox() const { return heads_; }
  QSpinBox* ffnBox() const { return ffn_; }
  QSpinBox* seqLenBox() const { return seqLen_; }
  QSpinBox* patchBox() const { return patch_; }
  QSpinBox* batchBox() const { return batch_; }
  QSpinBox* stepsBox() const { return steps_; }
  QDoubleSpinBox* learningRateBox() const { return learningRate_; }
  QSpinBox* warmupBox() const { return warmup_; }
  QSpinBox* evalEveryBox() const { return evalEvery_; }
  QSpinBox* seedBox() const { return seed_; }
  QLineEdit* customNormalizerEdit() const { return customNormalizer_; }
  QComboBox* customGateBox() const { return customGate_; }
  QPushButton* startButton() const { return startButton_; }
  QPushButton* stopButton() const { return stopButton_; }
  QPushButton* resumeButton() const { return resumeButton_; }
  QPushButton* openButton() const { return openButton_; }
  QPushButton* openAllButton() const { return openAllButton_; }
  QLabel* overallLabel() const { return overallLabel_; }

 signals:
  void openModelRequested(const QString& path);  // a checkpoint folder (its own normalizer is used)
  void errorOccurred(const QString& message);

 private:
  // What a row trains: a family, normalizer and gate.
  struct Variant {
    QString key;  // what the row's check state is remembered by, across family changes and rereads
    QString family;
    hopscope::NormalizerSpec normalizer;
    hopscope::GateKind gate = hopscope::GateKind::None;
    QString description;  // the row's tooltip
    bool checkedByDefault = false;
  };
  struct Row {
    Variant variant;
    QString name;           // the run's folder name
    bool listed = true;     // a preset or added variant (else a run found in the folder)
    TrainingRunOnDisk disk; // what its folder held when last read
    RunState state = RunState::NotTrained;
    QString detail;         // the status cell's text
    double fraction = 0;    // progress of the run
    std::vector<nlohmann::json> records;
  };
  struct CustomVariant {
    hopscope::NormalizerSpec normalizer;
    hopscope::GateKind gate;
  };

  QWidget* buildSettingsPanel();
  QWidget* buildVariantsPanel();
  QWidget* buildPlots();
  std::vector<Variant> listedVariants() const;  // the family's presets, then the added ones
  void rebuildRows();  // the listed variants and the runs in the output folder
  void applyDiskState(Row& row);  // state, detail and records from row.disk
  void refreshRow(int row);       // the table cells of a row
  void refreshFigures();
  void refreshButtons();
  void refreshOverall();
  void beginBatch(const std::vector<TrainingRun>& runs, bool resuming);
  QString batchSummary() const;  // "Last Start: 1 finished, 1 stopped"
  void onStarted(int row);
  void onProgress(int row, double fraction, const QString& stage);
  void onRecorded(int row, const nlohmann::json& record);
  void onFinished(int row, const TrainingOutcome& outcome);
  void onFailed(int row, const QString& message);
  void onDropped(int row);
  void openRows(const std::vector<int>& rows);
  void chooseFile(QLineEdit* edit, const QString& caption);
  void chooseOutputFolder();
  void addCustomVariant();
  void reportError(const QString& message);

  TrainingJobs* jobs_;
  std::vector<Row> rows_;
  std::vector<CustomVariant> customVariants_;
  std::map<QString, bool> checked_;  // row key -> check state, kept across rebuilds
  // The rows of the latest Start or Resume, and how many of them have ended: the overall progress.
  std::vector<int> batchRows_;
  bool resumingBatch_ = false;
  int runsTotal_ = 0, runsDone_ = 0;
  int currentRow_ = -1;

  QWidget* settingsPanel_ = nullptr;
  QComboBox* family_ = nullptr;
  QSpinBox *layers_ = nullptr, *hidden_ = nullptr, *heads_ = nullptr, *ffn_ = nullptr, *seqLen_ = nullptr;
  QSpinBox* vocabSize_ = nullptr;
  QSpinBox* patch_ = nullptr;  // image families only
  QLabel *trainTextLabel_ = nullptr, *evalTextLabel_ = nullptr;
  void adaptToFamily();  // text or image family: which fields apply, what the data fields hold
  QLineEdit *trainText_ = nullptr, *evalText_ = nullptr, *outputFolder_ = nullptr;
  QSpinBox *batch_ = nullptr, *steps_ = nullptr, *warmup_ = nullptr, *evalEvery_ = nullptr, *seed_ = nullptr;
  QDoubleSpinBox* learningRate_ = nullptr;
  QTableWidget* table_ = nullptr;
  QWidget* addRow_ = nullptr;
  QLineEdit* customNormalizer_ = nullptr;
  QComboBox* customGate_ = nullptr;
  QPushButton *startButton_ = nullptr, *stopButton_ = nullptr, *resumeButton_ = nullptr;
  QPushButton *openButton_ = nullptr, *openAllButton_ = nullptr;
  QProgressBar* overallBar_ = nullptr;
  QLabel* overallLabel_ = nullptr;
  QTabWidget* plotTabs_ = nullptr;
  FigurePlot *lossPlot_ = nullptr, *kurtosisPlot_ = nullptr, *infNormPlot_ = nullptr;
};
