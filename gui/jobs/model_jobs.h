#pragma once
// Runs engine work (opening a model, running text through it) on worker threads, so the UI thread
// never blocks on LibTorch. Results come back to the UI thread as plain structs through queued
// calls, then are emitted as ordinary signals.
//
// Runs follow "latest request wins" per model: a newer run request for the same model cancels the
// older one (its JobControl reports cancelled) and any result of a superseded request is dropped.
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <map>
#include <memory>

#include "hopscope/loaded_model.h"

Q_DECLARE_METATYPE(std::shared_ptr<const hopscope::LoadedModel>)
Q_DECLARE_METATYPE(hopscope::TextRunResult)

class ModelJobs : public QObject {
  Q_OBJECT
 public:
  using ModelPtr = std::shared_ptr<const hopscope::LoadedModel>;

  explicit ModelJobs(QObject* parent = nullptr);
  ~ModelJobs() override;  // cancels everything and waits for the workers

  // modelId is the caller's handle for the model slot; it comes back in every signal.
  void load(int modelId, const QString& argument);
  void run(int modelId, ModelPtr model, const QString& text, int topK = 5);

  // Asks every running job to stop (the engine polls JobControl::cancelled between steps).
  void cancelAll();
  // Forgets a model slot: its jobs are cancelled and their results are dropped.
  void forget(int modelId);

  int pendingCount() const { return pending_; }
  bool isIdle() const { return pending_ == 0; }

 signals:
  void loaded(int modelId, ModelJobs::ModelPtr model);
  void loadFailed(int modelId, const QString& message, bool cancelled);
  void ran(int modelId, const hopscope::TextRunResult& result);
  void runFailed(int modelId, const QString& message, bool cancelled);
  // The most recent progress report of any job; stage is a short label ("bert-tiny: layer 2/4").
  void progress(double fraction, const QString& stage);
  void busyChanged(bool busy);
  void idle();  // the last pending job has finished and its result has been delivered

 private:
  struct Ticket {
    std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  };
  hopscope::JobControl controlFor(const Ticket& ticket, const QString& label);
  void started();
  void finished();
  bool isCurrentRun(int modelId, quint64 generation) const;

  QThreadPool pool_;
  int pending_ = 0;
  quint64 nextGeneration_ = 1;
  std::map<int, quint64> latestRun_;       // modelId -> generation of its newest run request
  std::map<int, Ticket> runTickets_;       // modelId -> cancel flag of its newest run
  std::map<int, Ticket> loadTickets_;      // modelId -> cancel flag of its load
};
