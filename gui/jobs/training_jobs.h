#pragma once
// Trains models (hopscope/trainer.h, as `hopscope-cli train` does) on a worker thread, one run after
// another: on 2 cores, parallel runs only slow each other down. Progress, each evaluation record and
// the outcome come back to the UI thread through queued calls and are emitted as ordinary signals.
// stop() makes the running job write its checkpoint and return (the engine's cancel), and drops the
// queued runs. Also reads what a run left in its folder, so finished and stopped runs can be shown.
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <deque>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "hopscope/trainer.h"

Q_DECLARE_METATYPE(nlohmann::json)

// One training run: where it writes and with which settings.
struct TrainingRun {
  int id = 0;       // the caller's handle; comes back in every signal
  QString folder;   // the checkpoint folder (created by the engine)
  hopscope::TrainingSettings settings;  // ignored when resuming (the folder's own settings are used)
  bool resume = false;
};

struct TrainingOutcome {
  qint64 steps = 0;       // optimizer steps done in total
  bool stopped = false;   // by stop(): the checkpoint of `steps` is on disk
  double secondsPerStep = 0;
};
Q_DECLARE_METATYPE(TrainingOutcome)

// The folder name of a run: family, normalizer (':' as '_', so the name works as a path anywhere)
// and the gate when there is one, e.g. "bert-softmax1-mlp", "opt-clipped_-0.0234375_1".
QString trainingRunFolderName(const QString& family, const hopscope::NormalizerSpec& normalizer,
                              hopscope::GateKind gate);

// What a folder holds of a training run.
struct TrainingRunOnDisk {
  bool isRun = false;          // config.json with hopscope's training settings, or a training log
  bool hasCheckpoint = false;  // model.safetensors: it opens as a model
  bool resumable = false;      // a checkpoint with its optimizer state, before the last step
  bool finished = false;       // the log reaches the settings' last step
  qint64 checkpointStep = -1;  // the step of the checkpoint (its safetensors metadata); -1: none
  hopscope::TrainingSettings settings;  // valid when settingsRead
  bool settingsRead = false;
  std::vector<nlohmann::json> records;  // training_log.jsonl, one record per evaluation
  QString problem;  // why the folder could not be read completely; empty when it could
};
TrainingRunOnDisk readTrainingRun(const QString& folder);

class TrainingJobs : public QObject {
  Q_OBJECT
 public:
  explicit TrainingJobs(QObject* parent = nullptr);
  ~TrainingJobs() override;  // stops the running job (it writes its checkpoint) and waits for it

  // Queues the runs behind any queued ones; they train one after another.
  void start(std::vector<TrainingRun> runs);
  // The running job writes its checkpoint and returns (finished with stopped set); queued runs are
  // dropped (dropped is emitted for each).
  void stop();
  bool isBusy() const { return running_ || !queue_.empty(); }

 signals:
  void started(int id);
  // fraction of this run in [0, 1]; stage as the engine words it ("step 12/300, loss 5.31, ...").
  void progress(int id, double fraction, const QString& stage);
  void recorded(int id, const nlohmann::json& record);
  void finished(int id, const TrainingOutcome& outcome);
  void failed(int id, const QString& message);
  void dropped(int id);
  void busyChanged(bool busy);
  void idle();  // the last run has finished, failed or been dropped

 private:
  void startNext();

  QThreadPool pool_;
  std::deque<TrainingRun> queue_;
  bool running_ = false;
  std::shared_ptr<std::atomic<bool>> stopFlag_;  // of the running job
};
