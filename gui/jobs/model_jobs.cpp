#include "jobs/model_jobs.h"

#include <QFileInfo>
#include <QMetaObject>

#include <exception>
#include <utility>

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

}  // namespace

ModelJobs::ModelJobs(QObject* parent) : QObject(parent) {
  qRegisterMetaType<ModelJobs::ModelPtr>();
  qRegisterMetaType<hopscope::TextRunResult>();
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

bool ModelJobs::isCurrentRun(int modelId, quint64 generation) const {
  auto it = latestRun_.find(modelId);
  return it != latestRun_.end() && it->second == generation;
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
  // The newer request supersedes the older one: stop it, and drop its result when it arrives.
  auto previous = runTickets_.find(modelId);
  if (previous != runTickets_.end()) previous->second.cancelled->store(true);
  const quint64 generation = nextGeneration_++;
  latestRun_[modelId] = generation;
  Ticket ticket;
  runTickets_[modelId] = ticket;

  const QString label = model ? QString::fromStdString(model->info().name) : QStringLiteral("run");
  const hopscope::JobControl control = controlFor(ticket, label);
  const std::string input = text.toStdString();
  started();
  pool_.start([this, modelId, generation, model, control, input, topK] {
    hopscope::TextRunResult result;
    QString message;
    bool cancelled = false;
    const bool ok = runGuarded(
        [&] {
          control.checkCancelled();  // superseded while it waited in the queue
          if (!model) throw hopscope::Error("the model is not loaded");
          result = model->runText(input, topK, control);
        },
        message, cancelled);
    QMetaObject::invokeMethod(
        this,
        [this, modelId, generation, result = std::move(result), message, ok, cancelled] {
          if (isCurrentRun(modelId, generation)) {
            runTickets_.erase(modelId);
            if (ok) emit ran(modelId, result);
            else emit runFailed(modelId, message, cancelled);
          }
          finished();
        },
        Qt::QueuedConnection);
  });
}

void ModelJobs::cancelAll() {
  for (auto& [id, ticket] : loadTickets_) ticket.cancelled->store(true);
  for (auto& [id, ticket] : runTickets_) ticket.cancelled->store(true);
}

void ModelJobs::forget(int modelId) {
  if (auto it = loadTickets_.find(modelId); it != loadTickets_.end()) {
    it->second.cancelled->store(true);
    loadTickets_.erase(it);
  }
  if (auto it = runTickets_.find(modelId); it != runTickets_.end()) {
    it->second.cancelled->store(true);
    runTickets_.erase(it);
  }
  latestRun_.erase(modelId);
}
