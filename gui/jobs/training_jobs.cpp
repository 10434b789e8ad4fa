#include "jobs/training_jobs.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>

#include <chrono>
#include <exception>
#include <utility>

#include "hopscope/job_control.h"
#include "hopscope/safetensors.h"

namespace {

// The engine reports every step; a few updates a second are all a progress bar can show.
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

}  // namespace

QString trainingRunFolderName(const QString& family, const hopscope::NormalizerSpec& normalizer,
                              hopscope::GateKind gate) {
  QString name = family + QLatin1Char('-') + QString::fromStdString(normalizer.toString()).replace(QLatin1Char(':'), QLatin1Char('_'));
  if (gate != hopscope::GateKind::None) name += QLatin1Char('-') + QString::fromStdString(hopscope::gateKindName(gate));
  return name;
}

TrainingRunOnDisk readTrainingRun(const QString& folder) {
  TrainingRunOnDisk run;
  const QDir dir(folder);
  QStringList problems;
  if (dir.exists(QStringLiteral("config.json"))) {
    try {
      run.settings = hopscope::readTrainingSettings(folder.toStdString());
      run.settingsRead = true;
    } catch (const std::exception& error) {
      problems << QString::fromStdString(error.what());
    }
  }
  QFile log(dir.filePath(QStringLiteral("training_log.jsonl")));
  if (log.open(QIODevice::ReadOnly)) {
    int lineNumber = 0;
    while (!log.atEnd()) {
      const QByteArray line = log.readLine().trimmed();
      ++lineNumber;
      if (line.isEmpty()) continue;
      try {
        nlohmann::json record = nlohmann::json::parse(line.constData(), line.constData() + line.size());
        if (!record.is_object() || !record.contains("step")) throw std::runtime_error("no \"step\"");
        run.records.push_back(std::move(record));
      } catch (const std::exception& error) {
        problems << QStringLiteral("%1 line %2: not a training record (%3)")
                        .arg(log.fileName()).arg(lineNumber).arg(QString::fromStdString(error.what()));
        break;
      }
    }
  }
  run.isRun = run.settingsRead || log.exists();
  run.hasCheckpoint = run.settingsRead && dir.exists(QStringLiteral("model.safetensors"));
  if (run.hasCheckpoint) {
    // The optimizer state's step is where a resumed run continues; the weights' when there is none.
    const QString state = dir.filePath(QStringLiteral("training_state.safetensors"));
    const QString file = QFileInfo::exists(state) ? state : dir.filePath(QStringLiteral("model.safetensors"));
    try {
      const auto metadata = hopscope::readSafetensors(file.toStdString()).metadata;  // memory-mapped
      if (const auto step = metadata.find("step"); step != metadata.end()) run.checkpointStep = std::stoll(step->second);
    } catch (const std::exception& error) {
      problems << QString::fromStdString(error.what());
    }
  }
  if (run.settingsRead && !run.records.empty()) {
    const nlohmann::json& step = run.records.back()["step"];
    run.finished = step.is_number_integer() && step.get<int64_t>() >= run.settings.steps;
  }
  // A checkpoint before the last step continues with train(..., resume = true); one at step 0
  // without optimizer state (stopped before the first evaluation) starts again from its weights.
  run.resumable = run.hasCheckpoint && !run.finished;
  run.problem = problems.join(QStringLiteral("; "));
  return run;
}

TrainingJobs::TrainingJobs(QObject* parent) : QObject(parent) {
  qRegisterMetaType<nlohmann::json>();
  qRegisterMetaType<TrainingOutcome>();
  pool_.setMaxThreadCount(1);  // one run at a time; LibTorch uses every core inside it
}

TrainingJobs::~TrainingJobs() {
  stop();
  pool_.waitForDone();  // the stopped job writes its checkpoint first
}

void TrainingJobs::start(std::vector<TrainingRun> runs) {
  if (runs.empty()) return;
  const bool wasBusy = isBusy();
  for (TrainingRun& run : runs) queue_.push_back(std::move(run));
  if (!wasBusy) emit busyChanged(true);
  if (!running_) startNext();
}

void TrainingJobs::stop() {
  if (stopFlag_) stopFlag_->store(true);
  std::deque<TrainingRun> dropped;
  dropped.swap(queue_);
  // The running job (there is one whenever runs are queued) reports idle once it has stopped.
  for (const TrainingRun& run : dropped) emit this->dropped(run.id);
}

void TrainingJobs::startNext() {
  if (queue_.empty()) {
    emit busyChanged(false);
    emit idle();
    return;
  }
  TrainingRun run = std::move(queue_.front());
  queue_.pop_front();
  running_ = true;
  stopFlag_ = std::make_shared<std::atomic<bool>>(false);
  emit started(run.id);

  hopscope::JobControl control;
  control.cancelled = [flag = stopFlag_] { return flag->load(); };
  auto lastReport = std::make_shared<std::chrono::steady_clock::time_point>();
  control.progress = [this, id = run.id, lastReport](double fraction, const std::string& stage) {
    const auto now = std::chrono::steady_clock::now();  // called on the worker thread only
    if (now - *lastReport < kProgressInterval && fraction < 1) return;
    *lastReport = now;
    const QString text = QString::fromStdString(stage);
    QMetaObject::invokeMethod(this, [this, id, fraction, text] { emit progress(id, fraction, text); },
                              Qt::QueuedConnection);
  };
  pool_.start([this, run = std::move(run), control] {
    TrainingOutcome outcome;
    QString message;
    try {
      const hopscope::TrainingResult result = hopscope::train(
          run.settings, run.folder.toStdString(), run.resume, control, [this, id = run.id](const hopscope::TrainingRecord& record) {
            QMetaObject::invokeMethod(this, [this, id, record] { emit recorded(id, record); }, Qt::QueuedConnection);
          });
      outcome.steps = result.steps;
      outcome.stopped = result.cancelled;
      outcome.secondsPerStep = result.secondsPerStep;
    } catch (const hopscope::Cancelled&) {
      outcome.stopped = true;  // before the first step (reading, tokenizer training): nothing to resume
    } catch (const std::exception& error) {  // hopscope::Error and LibTorch's c10::Error
      message = QString::fromStdString(error.what()).trimmed();
      if (message.isEmpty()) message = QStringLiteral("unknown error");
    } catch (...) {
      message = QStringLiteral("unknown error");
    }
    QMetaObject::invokeMethod(
        this,
        [this, id = run.id, outcome, message] {
          running_ = false;
          stopFlag_.reset();
          if (message.isEmpty()) emit finished(id, outcome);
          else emit failed(id, message);
          startNext();
        },
        Qt::QueuedConnection);
  });
}
