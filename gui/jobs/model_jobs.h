#pragma once
// Runs engine work (opening a model, running text through it) on worker threads, so the UI thread
// never blocks on LibTorch. Results come back to the UI thread as plain structs through queued
// calls, then are emitted as ordinary signals.
//
// Runs, analyses and quantization studies follow "latest request wins" per model and kind: a newer
// request of the same kind for the same model cancels the older one (its JobControl reports
// cancelled) and any result of a superseded request is dropped.
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

#include "hopscope/loaded_model.h"
#include "hopscope/model_analysis.h"
#include "hopscope/quantization_study.h"
#include "jobs/evaluation_requests.h"

Q_DECLARE_METATYPE(std::shared_ptr<const hopscope::LoadedModel>)
Q_DECLARE_METATYPE(hopscope::TextRunResult)
Q_DECLARE_METATYPE(hopscope::ImageRunResult)
Q_DECLARE_METATYPE(hopscope::ModelAnalysisPtr)
Q_DECLARE_METATYPE(hopscope::QuantizationStudyPtr)

class ModelJobs : public QObject {
  Q_OBJECT
 public:
  using ModelPtr = std::shared_ptr<const hopscope::LoadedModel>;
  // The engine's result values, as `hopscope-cli analyze` / `quantize` write them as JSON
  // (result_json.h), so the GUI shows the very numbers the CLI files hold.
  using AnalysisPtr = hopscope::ModelAnalysisPtr;
  using StudyPtr = hopscope::QuantizationStudyPtr;

  explicit ModelJobs(QObject* parent = nullptr);
  ~ModelJobs() override;  // cancels everything and waits for the workers

  // modelId is the caller's handle for the model slot; it comes back in every signal.
  void load(int modelId, const QString& argument);
  void run(int modelId, ModelPtr model, const QString& text, int topK = 5);
  // Image models: one decoded image (the same "latest request wins" slot as run).
  void runImage(int modelId, ModelPtr model, const hopscope::DecodedImage& image, int topK = 5);
  // Outlier statistics of the model on the request's text (hopscope-cli analyze).
  void analyze(int modelId, ModelPtr model, const AnalysisRequest& request);
  // FP versus quantized metric and every quantizer's diagnostics (hopscope-cli quantize).
  void quantize(int modelId, ModelPtr model, const QuantizationRequest& request);

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
  void ranImage(int modelId, const hopscope::ImageRunResult& result);
  void analyzed(int modelId, ModelJobs::AnalysisPtr result);
  void analyzeFailed(int modelId, const QString& message, bool cancelled);
  void quantized(int modelId, ModelJobs::StudyPtr result);
  void quantizeFailed(int modelId, const QString& message, bool cancelled);
  // The most recent progress report of any job; stage is a short label ("bert-tiny: layer 2/4").
  void progress(double fraction, const QString& stage);
  void busyChanged(bool busy);
  void idle();  // the last pending job has finished and its result has been delivered

 private:
  struct Ticket {
    std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  };
  hopscope::JobControl controlFor(const Ticket& ticket, const QString& label);
  enum class Kind { Run, Analysis, Quantization };
  // The newest request of one kind per model: its generation and its cancel flag.
  struct Latest {
    quint64 generation = 0;
    Ticket ticket;
  };
  // Supersedes the model's previous request of this kind and runs work on a worker. work returns
  // what to do with its result on the UI thread (emit a signal); it runs, or fail does when work
  // threw, unless a newer request of the kind came meanwhile.
  void submitLatest(Kind kind, int modelId, const QString& label,
                    std::function<std::function<void()>(const hopscope::JobControl&)> work,
                    std::function<void(const QString& message, bool cancelled)> fail);
  void started();
  void finished();

  QThreadPool pool_;
  int pending_ = 0;
  quint64 nextGeneration_ = 1;
  std::map<std::pair<Kind, int>, Latest> latest_;  // (kind, modelId) -> its newest request
  std::map<int, Ticket> loadTickets_;              // modelId -> cancel flag of its load
};
