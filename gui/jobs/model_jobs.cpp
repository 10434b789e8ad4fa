#include "jobs/model_jobs.h"

#include <QFileInfo>
#include <QMetaObject>

#include <algorithm>
#include <exception>
#include <utility>

#include "hopscope/evaluation_task.h"
#include "hopscope/transformer_model.h"
#include "image_inputs.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/text_corpus.h"

namespace {

// Everything a job can throw becomes one line of text for the window; nothing escapes a worker.
template <typename Work>
bool runGuarded(Work&& work, QString& message, bool& cancelled) {
  try {
    work();
    return true;
  } catch (const hopscope::Cancelled&) {
    message = QStringLiteral("cancelled");
    cancelled = true;
  } catch (const std::exception& e) {  // hopscope::Error and LibTorch's c10::Error
    message = QString::fromStdString(e.what()).trimmed();
  } catch (...) {
    message = QStringLiteral("unknown error");
  }
  return false;
}

bool isImageModel(const hopscope::LoadedModel& model) {
  return model.model().family().task == hopscope::TaskKind::ImageClassification;
}

// The image source of a request, or the error that says to choose one.
std::string imageSource(const QString& path, const hopscope::LoadedModel& model) {
  if (path.isEmpty())
    throw hopscope::Error(model.info().name +
                          " is an image model: choose its images (an idx file or an image folder) with Images…");
  return path.toStdString();
}

}  // namespace

ModelJobs::ModelJobs(QObject* parent) : QObject(parent) {
  qRegisterMetaType<ModelJobs::ModelPtr>();
  qRegisterMetaType<hopscope::TextRunResult>();
  qRegisterMetaType<hopscope::ImageRunResult>();
  qRegisterMetaType<ModelJobs::AnalysisPtr>();
  qRegisterMetaType<ModelJobs::StudyPtr>();
  // Two workers: a slow load must not hold up a run on another model. LibTorch parallelises
  // inside each job.
  pool_.setMaxThreadCount(2);
}

ModelJobs::~ModelJobs() {
  cancelAll();
  pool_.clear();
  pool_.waitForDone();
}

hopscope::JobControl ModelJobs::controlFor(const Ticket& ticket, const QString& label) {
  hopscope::JobControl control;
  auto flag = ticket.cancelled;
  control.cancelled = [flag] { return flag->load(); };
  control.progress = [this, label](double fraction, const std::string& stage) {
    const QString text = label + QStringLiteral(": ") + QString::fromStdString(stage);
    QMetaObject::invokeMethod(
        this, [this, fraction, text] { emit progress(fraction, text); }, Qt::QueuedConnection);
  };
  return control;
}

void ModelJobs::started() {
  if (pending_++ == 0) emit busyChanged(true);
}

void ModelJobs::finished() {
  if (--pending_ == 0) {
    emit busyChanged(false);
    emit idle();
  }
}

void ModelJobs::submitLatest(Kind kind, int modelId, const QString& label,
                             std::function<std::function<void()>(const hopscope::JobControl&)> work,
                             std::function<void(const QString& message, bool cancelled)> fail) {
  Latest& latest = latest_[{kind, modelId}];
  latest.ticket.cancelled->store(true);  // the older request of this kind, if any
  latest.ticket = Ticket();
  latest.generation = nextGeneration_++;
  const quint64 generation = latest.generation;
  const hopscope::JobControl control = controlFor(latest.ticket, label);
  started();
  pool_.start([this, kind, modelId, generation, control, work = std::move(work), fail = std::move(fail)] {
    std::function<void()> deliver;
    QString message;
    bool cancelled = false;
    const bool ok = runGuarded(
        [&] {
          control.checkCancelled();  // superseded while it waited in the queue
          deliver = work(control);
        },
        message, cancelled);
    QMetaObject::invokeMethod(
        this,
        [this, kind, modelId, generation, deliver = std::move(deliver), fail, message, ok, cancelled] {
          auto it = latest_.find({kind, modelId});
          if (it != latest_.end() && it->second.generation == generation) {
            latest_.erase(it);
            if (ok) deliver();
            else fail(message, cancelled);
          }
          finished();
        },
        Qt::QueuedConnection);
  });
}

void ModelJobs::load(int modelId, const QString& argument) {
  Ticket ticket;
  loadTickets_[modelId] = ticket;
  const QString label = QFileInfo(argument.section(QLatin1Char('@'), 0, 0)).fileName();
  const hopscope::JobControl control = controlFor(ticket, label.isEmpty() ? argument : label);
  const std::string spec = argument.toStdString();
  started();
  pool_.start([this, modelId, ticket, control, spec] {
    ModelPtr model;
    QString message;
    bool cancelled = false;
    const bool ok = runGuarded(
        [&] {
          control.report(0.0, "opening");
          model = hopscope::LoadedModel::open(spec, control);
          control.checkCancelled();
        },
        message, cancelled);
    QMetaObject::invokeMethod(
        this,
        [this, modelId, ticket, model, message, ok, cancelled] {
          auto it = loadTickets_.find(modelId);
          const bool wanted = it != loadTickets_.end() && it->second.cancelled == ticket.cancelled;
          if (wanted) {
            loadTickets_.erase(it);
            if (ok) emit loaded(modelId, model);
            else emit loadFailed(modelId, message, cancelled);
          }
          finished();
        },
        Qt::QueuedConnection);
  });
}

void ModelJobs::run(int modelId, ModelPtr model, const QString& text, int topK) {
  const QString label = model ? QString::fromStdString(model->info().name) : QStringLiteral("run");
  const std::string input = text.toStdString();
  submitLatest(
      Kind::Run, modelId, label,
      [this, modelId, model, input, topK](const hopscope::JobControl& control) -> std::function<void()> {
        if (!model) throw hopscope::Error("the model is not loaded");
        hopscope::TextRunResult result = model->runText(input, topK, control);
        return [this, modelId, result = std::move(result)] { emit ran(modelId, result); };
      },
      [this, modelId](const QString& message, bool cancelled) { emit runFailed(modelId, message, cancelled); });
}

void ModelJobs::runImage(int modelId, ModelPtr model, const hopscope::DecodedImage& image, int topK) {
  const QString label = model ? QString::fromStdString(model->info().name) : QStringLiteral("run");
  submitLatest(
      Kind::Run, modelId, label,
      [this, modelId, model, image, topK](const hopscope::JobControl& control) -> std::function<void()> {
        if (!model) throw hopscope::Error("the model is not loaded");
        hopscope::ImageRunResult result = model->runImage(image, topK, control);
        return [this, modelId, result = std::move(result)] { emit ranImage(modelId, result); };
      },
      [this, modelId](const QString& message, bool cancelled) { emit runFailed(modelId, message, cancelled); });
}

void ModelJobs::analyze(int modelId, ModelPtr model, const AnalysisRequest& request) {
  const QString label = model ? QString::fromStdString(model->info().name) : QStringLiteral("analysis");
  submitLatest(
      Kind::Analysis, modelId, label,
      [this, modelId, model, request](const hopscope::JobControl& control) -> std::function<void()> {
        if (!model) throw hopscope::Error("the model is not loaded");
        if (isImageModel(*model)) {  // as hopscope-cli analyze --images
          const std::string source = imageSource(request.imagePath, *model);
          control.report(0.0, "reading " + source);
          const hopscope::LoadedImages images = hopscope::loadImages(source, std::string(), *model, 0, request.samples);
          hopscope::AnalysisSettings settings;
          settings.samples = request.samples;
          settings.batch = request.batch;
          settings.seed = request.seed;
          hopscope::ModelAnalysis analysis = hopscope::analyzeBlocks(*model, images.data, settings, control);
          analysis.data = images.source;
          auto result = std::make_shared<const hopscope::ModelAnalysis>(std::move(analysis));
          return [this, modelId, result] { emit analyzed(modelId, result); };
        }
        control.report(0.0, "reading " + request.dataPath.toStdString());
        const hopscope::TextCorpus corpus = hopscope::readTextCorpus(request.dataPath.toStdString());
        hopscope::AnalysisSettings settings;
        settings.samples = request.samples;
        // Not capped: the engine's EvaluationTask refuses a length beyond the position table with
        // the CLI's message.
        settings.seqLen = request.seqLen > 0 ? request.seqLen : hopscope::defaultSequenceLength(model->info());
        settings.batch = request.batch;
        settings.maskProb = request.maskProb;
        settings.seed = request.seed;
        auto result = std::make_shared<const hopscope::ModelAnalysis>(hopscope::analyzeModel(*model, corpus, settings, control));
        return [this, modelId, result] { emit analyzed(modelId, result); };
      },
      [this, modelId](const QString& message, bool cancelled) { emit analyzeFailed(modelId, message, cancelled); });
}

void ModelJobs::quantize(int modelId, ModelPtr model, const QuantizationRequest& request) {
  const QString label = model ? QString::fromStdString(model->info().name) : QStringLiteral("quantization");
  submitLatest(
      Kind::Quantization, modelId, label,
      [this, modelId, model, request](const hopscope::JobControl& control) -> std::function<void()> {
        if (!model) throw hopscope::Error("the model is not loaded");
        hopscope::QuantizationSweepSettings settings;
        settings.weightBits = {request.weightBits};
        settings.activationBits = {request.activationBits};
        if (request.sweepActivationBits)
          for (int bits = request.activationBits - 1; bits >= 4; --bits) settings.activationBits.push_back(bits);
        settings.estimators = {request.estimator.toStdString()};
        settings.weightGrid = request.unsignedGridWhenNonNegative ? hopscope::WeightGrid::UnsignedWhenNonNegative
                                                                  : hopscope::WeightGrid::Signed;
        settings.evaluation.samples = request.samples;
        settings.evaluation.seqLen =
            request.seqLen > 0 ? request.seqLen : hopscope::defaultSequenceLength(model->info());
        settings.evaluation.batch = request.batch;
        settings.evaluation.maskProb = request.maskProb;
        settings.evaluation.seed = request.seed;
        settings.calibrationBatches = request.calibrationBatches;
        if (isImageModel(*model)) {
          settings.referenceCompat = request.referenceCompat;  // --vit-quant-mode
          // As hopscope-cli quantize --images without --calib-images: calibration on the
          // calibrationBatches x batch images after the evaluated ones, in the same source.
          const std::string source = imageSource(request.imagePath, *model);
          control.report(0.0, "reading " + source);
          const hopscope::LoadedImages evaluation = hopscope::loadImages(source, std::string(), *model, 0, request.samples);
          const hopscope::LoadedImages calibration = [&] {
            try {
              return hopscope::loadImages(source, std::string(), *model, evaluation.data.size(),
                                          request.calibrationBatches * request.batch);
            } catch (const hopscope::Error& e) {
              throw hopscope::Error(std::string(e.what()) + " (calibration uses the images after the " +
                                    std::to_string(evaluation.data.size()) + " evaluated ones: evaluate fewer)");
            }
          }();
          auto result = std::make_shared<const hopscope::QuantizationStudy>(hopscope::runQuantizationStudy(
              *model, evaluation.data, evaluation.source, calibration.data, calibration.source, settings, control));
          return [this, modelId, result] { emit quantized(modelId, result); };
        }
        const hopscope::TextCorpus corpus = hopscope::readTextCorpus(request.dataPath.toStdString());
        const hopscope::TextCorpus calibration = hopscope::readTextCorpus(request.calibrationPath.toStdString());
        auto result = std::make_shared<const hopscope::QuantizationStudy>(
            hopscope::runQuantizationStudy(*model, corpus, calibration, settings, control));
        return [this, modelId, result] { emit quantized(modelId, result); };
      },
      [this, modelId](const QString& message, bool cancelled) { emit quantizeFailed(modelId, message, cancelled); });
}

void ModelJobs::cancelAll() {
  for (auto& [id, ticket] : loadTickets_) ticket.cancelled->store(true);
  for (auto& [key, latest] : latest_) latest.ticket.cancelled->store(true);
}

void ModelJobs::forget(int modelId) {
  if (auto it = loadTickets_.find(modelId); it != loadTickets_.end()) {
    it->second.cancelled->store(true);
    loadTickets_.erase(it);
  }
  for (Kind kind : {Kind::Run, Kind::Analysis, Kind::Quantization}) {
    if (auto it = latest_.find({kind, modelId}); it != latest_.end()) {
      it->second.ticket.cancelled->store(true);
      latest_.erase(it);
    }
  }
}
